/**
 * An engine process. `npm start` runs this with the demo actors until the
 * gateway exists; tests start it as a child process to kill it for real.
 *
 *   node --import tsx engine/src/main.ts [--demo]
 *
 * --demo  also drives the demo actors once a second and prints what happens.
 */
import v8 from 'node:v8';
import { EngineClient } from './client.js';
import { ConfigError } from './config.js';
import { demoActors, demoOutputStreams } from './demo.js';
import { Engine, type OutputStream } from './engine.js';
import { parseConfig } from './config.js';
import type { ActorType } from './decider.js';
import { EngineError, ensureError } from './errors.js';
import { stopOnSignals } from './process.js';
import { serveEngineEndpoints } from './http-endpoints.js';

async function main(): Promise<void> {
  let engine: Engine;
  let types: readonly ActorType[] = demoActors;
  let outputStreams: readonly OutputStream[] = demoOutputStreams;
  try {
    const cfg = parseConfig();
    // V8 moves allocation sites whose objects often survive a scavenge to the old generation. Here
    // most of them (a command's decision, its record, the actor's next state) die within
    // milliseconds, so pretenuring filled the old generation with garbage: without it, alternating
    // 15 s runs of open 40,000/s spread spent 0.08 s per second in GC against 0.11–0.15, and 21–22
    // µs of engine CPU per command against 22–25; the p99 stayed within noise (engine/README).
    if (!cfg.v8Pretenuring) v8.setFlagsFromString('--no-allocation-site-pretenuring');
    const spec = cfg.actorsModule;
    if (spec !== '') {
      // The engine stays domain-free: the domain is loaded by name (e.g. ENGINE_ACTORS=@lunchrush/actors).
      const mod = (await import(spec)) as { actors?: ActorType[]; outputStreams?: OutputStream[] };
      if (!Array.isArray(mod.actors)) throw new ConfigError(`ENGINE_ACTORS=${spec} has no \`actors\` export`);
      types = [...mod.actors, ...demoActors];
      outputStreams = [...(mod.outputStreams ?? []), ...demoOutputStreams];
    }
    engine = new Engine(types, { processMetrics: true, outputStreams });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  await engine.start();
  const cfg = engine.cfg;

  const { server, url: metricsUrl } = await serveEngineEndpoints(engine);
  // Tests wait for this exact line.
  console.log(`ENGINE READY process=${cfg.processId} namespace=${cfg.namespace} nats=${cfg.natsUrl}`);
  console.log(`  events stream   ${engine.names.stream} (subjects ${engine.names.eventWildcard})`);
  console.log(`  command subject ${cfg.namespace}.cmd.<partition 0..${cfg.partitions - 1}>`);
  console.log(`  metrics         ${metricsUrl}   health: http://127.0.0.1:${cfg.metricsPort}/healthz`);
  console.log(`  actor types     ${types.map((a) => a.name).join(', ')}`);
  for (const o of outputStreams)
    console.log(
      `  output stream   ${engine.names.outputStream(o.name)} (${o.subjects.map((x) => engine.names.subject(x)).join(', ')})`,
    );

  let lastOwned = -1;
  const ownedReport = setInterval(() => {
    const n = engine.ownedPartitions().length;
    if (n !== lastOwned) console.log(`partitions owned: ${n}/${cfg.partitions}`);
    lastOwned = n;
  }, 2_000);
  ownedReport.unref();

  let demo: NodeJS.Timeout | undefined;
  let client: EngineClient | undefined;
  if (process.argv.includes('--demo')) {
    client = new EngineClient(engine.connection, { namespace: cfg.namespace, partitions: cfg.partitions });
    const c = client;
    let n = 0;
    console.log('demo: depositing into account 001/alice every second, with a reminder every 5 deposits');
    demo = setInterval(() => {
      n++;
      const tx = `demo-${Date.now()}`;
      c.send<{ balance: number }>('001', 'account', 'alice', { op: 'deposit', amount: 100, tx }, { id: tx })
        .then(async (r) => {
          console.log(`demo: deposit ${tx} durable, balance ${r.balance} fen`);
          if (n % 5 === 0) {
            await c.send('001', 'account', 'alice', { op: 'remind', key: `r${n}`, at: Date.now() + 2000 });
            console.log(`demo: reminder r${n} set for 2 s from now (a durable timer)`);
          }
        })
        .catch((e: unknown) =>
          console.log(`demo: ${e instanceof EngineError ? `${e.code}: ${e.message}` : ensureError(e).message}`),
        );
    }, 1000);
    const sub = engine.connection.subscribe(`${cfg.namespace}.demo.reminders.>`);
    void (async () => {
      for await (const m of sub) console.log(`demo: side output on ${m.subject} (${m.data.length} bytes)`);
    })();
  }

  stopOnSignals(async (sig) => {
    console.log(`${sig}: handing partitions over and stopping`);
    if (demo !== undefined) clearInterval(demo);
    server?.close();
    await engine.stop();
  });
}

main().catch((err: unknown) => {
  console.error(ensureError(err));
  process.exit(1);
});
