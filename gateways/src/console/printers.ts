/**
 * A test page on a station's printer (打印测试), for the console's printers page: one request to
 * the store's printer daemon (`<ns>.printers.<store>.test`, the wire contract's), which queues a
 * one-line ticket the way the station's tickets go. Status and alarms come over the push socket.
 */
import { STAFF_PERMISSIONS as MAY } from '@lunchrush/actors';
import { wire } from '@lunchrush/actors/wire';
import { decode, encode } from '@lunchrush/engine/codec';
import { z } from 'zod';
import type { GatewayDeps } from '../deps.js';
import { ErrorCode, HttpError } from '../errors.js';
import { route, type Route } from '../http.js';
import { BODY_ERRORS, STAFF_BASE as base, STAFF_ERRORS } from '../routes/staff/common.js';
import { StoreParams } from '../schemas.js';

/** How long the printer daemon has to answer. */
export const PRINTER_TEST_TIMEOUT_MS = 2_000;

const TestPrintBody = z.strictObject({ station: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a station id') });
const TestPrintAnswer = z.object({ ticketId: z.string(), station: z.string(), printer: z.string().nullable() });

type DaemonAnswer =
  | { ok: true; ticketId: string; station: string; printer: string | null }
  | { ok: false; code: string; message: string };

export function printerTestRoute(deps: GatewayDeps): Route {
  return route({
    method: 'post',
    path: `${base}/printers/test`,
    response: TestPrintAnswer,
    tag: 'console',
    summary: "Print a test page on a station's printer",
    auth: 'staff',
    roles: MAY.setup,
    params: StoreParams,
    body: TestPrintBody,
    errors: [...STAFF_ERRORS, ...BODY_ERRORS, ErrorCode.PrinterTestRefused, ErrorCode.Unavailable],
    async handle(
      _req,
      { params, body }: { params: z.output<typeof StoreParams>; body: z.output<typeof TestPrintBody> },
    ) {
      let answer: DaemonAnswer;
      try {
        const m = await deps.nc.request(wire(deps.cfg.namespace).printerTest(params.store), encode(body), {
          timeout: PRINTER_TEST_TIMEOUT_MS,
        });
        answer = decode<DaemonAnswer>(m.data);
      } catch (e) {
        throw new HttpError(ErrorCode.Unavailable, 'no printer daemon answered for this store', { cause: e });
      }
      if (!answer.ok) throw new HttpError(ErrorCode.PrinterTestRefused, answer.message);
      return { body: { ticketId: answer.ticketId, station: answer.station, printer: answer.printer } };
    },
  });
}
