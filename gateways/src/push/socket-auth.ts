/**
 * Who a socket is and what it may follow: the upgrade asks `authenticate` once
 * per connection (401 without a principal), and each subscription is checked
 * against the principal (`defaultAuthorize` unless the deps give their own).
 */
import type { HttpRequest, HttpResponse, us_socket_context_t } from '@trufflesuite/uws-js-unofficial';
import { ensureError } from '@lunchrush/engine';
import type { PushLogger } from './deps.js';
import { PushErrorCode, type PushAuthRequest, type PushPrincipal, type Topic } from './protocol.js';
import type { PushCounters, SocketData } from './sockets.js';

/**
 * Default rules: staff see every topic of their store; diners their own table,
 * orders of their table or placed by themselves (checked against the order's snapshot:
 * a delivery diner has no table), the menu, and a group-buy's
 * group of their store (its snapshot and deltas are counts, never the members' ids).
 */
export function defaultAuthorize(p: PushPrincipal, topic: Topic): boolean {
  if (p.kind === 'staff') return true;
  switch (topic.kind) {
    case 'table':
      return p.tableId !== undefined && topic.id === p.tableId;
    case 'order':
    case 'menu':
    case 'group':
      return true;
    default:
      return false;
  }
}

/** uWS's request is valid only until the first `await`: copy what `authenticate` may read. */
function copyRequest(req: HttpRequest, res: HttpResponse): PushAuthRequest {
  const headers: Record<string, string> = {};
  req.forEach((k, v) => (headers[k] = v));
  const query = req.getQuery() ?? '';
  return {
    url: req.getUrl(),
    query,
    params: new URLSearchParams(query),
    headers,
    ip: Buffer.from(res.getRemoteAddressAsText()).toString(),
  };
}

/** The WebSocket upgrade: authenticated sockets open with their principal, others get 401. */
export function upgradeSocket(
  res: HttpResponse,
  req: HttpRequest,
  ctx: us_socket_context_t,
  authenticate: (req: PushAuthRequest) => Promise<PushPrincipal | null>,
  counters: PushCounters,
  log: PushLogger | undefined,
): void {
  const key = req.getHeader('sec-websocket-key');
  const protocol = req.getHeader('sec-websocket-protocol');
  const extensions = req.getHeader('sec-websocket-extensions');
  const r = copyRequest(req, res);
  let aborted = false;
  res.onAborted(() => (aborted = true));
  authenticate(r).then(
    (principal) => {
      if (aborted) return;
      res.cork(() => {
        if (principal === null) {
          counters.refusedUpgrades++;
          res
            .writeStatus('401 Unauthorized')
            .writeHeader('content-type', 'application/json')
            .end(JSON.stringify({ code: PushErrorCode.Unauthorized, message: 'a valid token is required' }));
          return;
        }
        const data: SocketData = { principal, subs: new Map(), closed: false, overflowed: false, lastHeads: '' };
        res.upgrade(data, key, protocol, extensions, ctx);
      });
    },
    (e: unknown) => {
      if (aborted) return;
      counters.refusedUpgrades++;
      log?.warn({ err: ensureError(e).message }, 'push: authenticate failed');
      res.cork(() => res.writeStatus('401 Unauthorized').end());
    },
  );
}
