/**
 * Engine CPU per order for the restaurant actors, two engines side by side:
 *
 *   node --import tsx bench/src/engine-pair.ts [--a dir] [--b dir] [--a-env K=V,…] [--b-env K=V,…]
 *                                              [--rate 700] [--duration 20] [--warmup 3] [--rounds 2]
 *
 * Two engine processes (each from its own copy of the code, `--a` / `--b`, this checkout by
 * default, with its own environment on top) get their own namespace, the demo stores and 400
 * seated diners, and then the same lunch-rush commands at the same fixed rate at the same time
 * (80% table submits of 1–6 SKUs, 10% POS and 10% delivery sales, sent straight through
 * EngineClient: no gateway). What each engine process spends per answered order is read from
 * /proc over the measured window. On a box shared with other work the CPU one order costs moves
 * by ±30% from run to run; both engines here see the same box at the same moment, so their ratio
 * holds where separate runs would not. Rounds alternate which engine starts first. A copy of
 * another commit: `git archive <commit> | tar -x -C dir`, and `ln -s` this checkout's
 * node_modules entries into `dir/node_modules` with `@lunchrush/*` pointing into `dir`.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ActorTypes, saleActorId } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData, type DemoData } from '@lunchrush/actors/demo';
import { EngineClient } from '@lunchrush/engine';
import {
  REPO_ROOT,
  cleanupNamespace,
  connectNats,
  natsUrl,
  spawnTs,
  uniqueNamespace,
  type ChildProcessHandle,
} from '@lunchrush/testkit';
import { orderableSkus } from './scenarios/index.js';

const { values: args } = parseArgs({
  options: {
    a: { type: 'string', default: REPO_ROOT },
    b: { type: 'string', default: REPO_ROOT },
    'a-env': { type: 'string', default: '' },
    'b-env': { type: 'string', default: '' },
    rate: { type: 'string', default: '700' },
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
  },
});
const RATE = Number(args.rate);
const DURATION_S = Number(args.duration);
const WARMUP_S = Number(args.warmup);
const PARTITIONS = 64;
const DINERS = 400;

interface Side {
  readonly label: string;
  readonly root: string;
  readonly env: Record<string, string>;
}

const envOf = (spec: string): Record<string, string> =>
  Object.fromEntries(
    spec
      .split(',')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

function cpuSeconds(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
}

type Diner = { store: string; tableId: string; dinerId: string };

/** The demo stores through `client`, every orderable SKU stocked to 1e6 and `diners` seated. */
async function seed(client: EngineClient, data: DemoData, skus: string[], diners: Diner[]): Promise<void> {
  const [template, ...rest] = demoSetupCommands(data, Date.now());
  await client.send(template!.ref.store, template!.ref.type, template!.ref.id, template!.command, {
    id: template!.id,
  });
  const byStore = new Map<string, typeof rest>();
  for (const c of rest) byStore.set(c.ref.store, [...(byStore.get(c.ref.store) ?? []), c]);
  await Promise.all(
    [...byStore.values()].map(async (cs) => {
      for (const c of cs) await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id });
      for (const k of skus) {
        const at = Date.now();
        await client.send(cs[0]!.ref.store, ActorTypes.Stock, k, {
          type: 'set',
          available: 1e6,
          reason: 'bench',
          at,
        });
      }
    }),
  );
  await Promise.all(
    diners.map((d, i) =>
      client.send(d.store, ActorTypes.Table, d.tableId, {
        type: 'open',
        sessionId: `s${i}`,
        partySize: 2,
        dinerId: d.dinerId,
        at: Date.now(),
      }),
    ),
  );
}

/**
 * The lunch-rush commands, the same for every client: `fire(measure)` sends the next one to each
 * and counts its outcome per client in `ok` / `failed` when `measure`.
 */
function orderStream(
  clients: EngineClient[],
  diners: Diner[],
  skus: string[],
  ok: number[],
  failed: number[],
): (measure: boolean) => Promise<unknown> {
  // One random stream for both sides: they get the very same commands.
  let x = 7;
  const rnd = (): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x7fffffff;
  };
  const lines = (n: number): { skuId: string; qty: number }[] => {
    const m = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const s = skus[Math.floor(rnd() * skus.length)]!;
      m.set(s, (m.get(s) ?? 0) + 1 + Math.floor(rnd() * 2));
    }
    return [...m].map(([skuId, qty]) => ({ skuId, qty }));
  };
  const run = Math.random().toString(36).slice(2, 8);
  let n = 0;
  const fire = (measure: boolean): Promise<unknown> => {
    const i = n++;
    const kind = i % 10;
    const d = diners[i % diners.length]!;
    let send: (c: EngineClient) => Promise<unknown>;
    if (kind < 2) {
      const channel = kind === 0 ? 'pos' : 'delivery';
      const ref = `b${run}x${i.toString(36)}`;
      const cmd = { type: 'sell', channel, ref, lines: lines(1 + Math.floor(rnd() * 3)), at: Date.now() };
      send = (c) => c.send(d.store, ActorTypes.Sale, saleActorId(channel, ref), cmd);
    } else {
      const orderId = `o_${run}${i.toString(36)}`;
      const cmd = {
        type: 'submit',
        orderId,
        dinerId: d.dinerId,
        lines: lines(1 + Math.floor(rnd() * 6)),
        at: Date.now(),
      };
      send = (c) => c.send(d.store, ActorTypes.Table, d.tableId, cmd, { id: `submit:${orderId}` });
    }
    return Promise.all(
      clients.map((c, k) =>
        send(c).then(
          () => void (measure && ok[k]!++),
          () => void (measure && failed[k]!++),
        ),
      ),
    );
  };
  return fire;
}

async function round(sides: readonly Side[]): Promise<string> {
  const data = generateDemoData({ stores: 20 });
  const skus = orderableSkus(data);
  const nc = await connectNats();
  const namespaces = sides.map(() => uniqueNamespace('pair'));
  const engines: ChildProcessHandle[] = sides.map((s, k) =>
    spawnTs('engine/src/main.ts', {
      cwd: s.root,
      env: {
        NATS_URL: natsUrl(),
        ENGINE_NAMESPACE: namespaces[k]!,
        ENGINE_PARTITIONS: String(PARTITIONS),
        ENGINE_ACTORS: '@lunchrush/actors',
        ENGINE_METRICS_PORT: '0',
        LOG_LEVEL: 'warn',
        ...s.env,
      },
    }),
  );
  try {
    await Promise.all(engines.map((e) => e.waitForLine(/ENGINE READY/, 60_000)));
    const clients = namespaces.map((ns) => new EngineClient(nc, { namespace: ns, partitions: PARTITIONS }));
    const seats = data.stores.flatMap((s) => s.tables.map((t) => ({ store: s.storeId, tableId: t.tableId })));
    const diners = Array.from({ length: DINERS }, (_, i) => ({ ...seats[i % seats.length]!, dinerId: `d${i}` }));
    await Promise.all(clients.map((client) => seed(client, data, skus, diners)));
    const ok = sides.map(() => 0);
    const failed = sides.map(() => 0);
    const fire = orderStream(clients, diners, skus, ok, failed);
    const openLoop = async (rate: number, seconds: number, measure: boolean): Promise<void> => {
      const t0 = performance.now();
      const inflight: Promise<unknown>[] = [];
      for (let k = 0; k < Math.round(rate * seconds); k++) {
        const wait = t0 + (k * 1000) / rate - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inflight.push(fire(measure));
      }
      await Promise.all(inflight);
    };
    await openLoop(RATE / 2, WARMUP_S, false);
    const before = engines.map((e) => cpuSeconds(e.pid));
    await openLoop(RATE, DURATION_S, true);
    const after = engines.map((e) => cpuSeconds(e.pid));
    const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    return (
      sides
        .map(
          (s, k) =>
            `${s.label}: ${(((after[k]! - before[k]!) * 1000) / ok[k]!).toFixed(3)} ms/order (${ok[k]} ok, ${failed[k]} failed)`,
        )
        .join(' | ') + ` | load ${load}`
    );
  } finally {
    await Promise.all(engines.map((e) => e.stop(15_000).catch(() => undefined)));
    for (const ns of namespaces) await cleanupNamespace(nc, ns).catch(() => undefined);
    await nc.close();
  }
}

const a: Side = { label: 'a', root: args.a, env: envOf(args['a-env']) };
const b: Side = { label: 'b', root: args.b, env: envOf(args['b-env']) };
console.log(`engine CPU per order, a = ${a.root} ${args['a-env']}, b = ${b.root} ${args['b-env']}, ${RATE}/s each`);
for (let r = 0; r < Number(args.rounds); r++) console.log(await round(r % 2 === 0 ? [a, b] : [b, a]));
