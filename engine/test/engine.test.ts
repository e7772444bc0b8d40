import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { createInbox, type NatsConnection } from '@nats-io/transport-node';
import {
  decode,
  defineActor,
  encode,
  Engine,
  EngineClient,
  EngineError,
  partitionOf,
  reject,
  TAGS_HEADER,
} from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { names } from '@lunchrush/engine/names';
import { inProcessEngine, latestSnapshot, waitFor } from './support.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const ns = `t${Math.random().toString(36).slice(2, 10)}`;
const P = 8;
let engine: Engine;
let nc: NatsConnection;
let client: EngineClient;

/** A decider with a bug: it throws on `boom`. */
const fragile = defineActor<{ n: number }, { op: 'inc' | 'boom' }, { t: 'inc' }>({
  name: 'fragile',
  initial: () => ({ n: 0 }),
  decide(s, c) {
    if (c.op === 'boom') throw new Error('bug in the decider');
    return { events: [{ t: 'inc' }], result: { n: s.n + 1 } };
  },
  evolve: (s) => ({ n: s.n + 1 }),
});

/** Answers with as many bytes as asked: replies that pass the server's max_payload. */
const blob = defineActor<{ n: number }, { size: number }, { t: 'b' }>({
  name: 'blob',
  initial: () => ({ n: 0 }),
  decide: (s, c) => (c.size === 0 ? { result: `n=${s.n}` } : { events: [{ t: 'b' }], result: 'x'.repeat(c.size) }),
  evolve: (s) => ({ n: s.n + 1 }),
});

/** Keeps every payload it is given: its state outgrows one KV value. */
const hoard = defineActor<{ parts: string[] }, { size: number }, { t: 'h'; s: string }>({
  name: 'hoard',
  initial: () => ({ parts: [] }),
  decide: (s, c) =>
    c.size === 0
      ? { result: { n: s.parts.length, bytes: s.parts.reduce((n, p) => n + p.length, 0) } }
      : { events: [{ t: 'h', s: 'h'.repeat(c.size) }], result: { n: s.parts.length + 1 } },
  evolve: (s, e) => ({ parts: [...s.parts, e.s] }),
});

/** How often `slip`'s parse ran, by the command's tag: commands are validated once, at the edge. */
const parsedTags = new Map<string, number>();

/**
 * A slip fills in `qty` when a command from outside leaves it out, and refuses a missing tag; a
 * `spike` passes a slip to a fresh slip actor by `ctx.call` (trusted, not parsed again).
 */
const slip = defineActor<
  { seen: { tag: string; qty: number }[] },
  { tag: string; qty: number; pass?: string },
  { tag: string; qty: number }
>({
  name: 'slip',
  initial: () => ({ seen: [] }),
  parse: (c) => {
    const x = c as { tag?: unknown; qty?: unknown; pass?: unknown };
    if (typeof x.tag !== 'string')
      return { ok: false, rejection: reject('no_tag', 'a slip needs a tag', undefined, 'invalid') };
    parsedTags.set(x.tag, (parsedTags.get(x.tag) ?? 0) + 1);
    const value = { tag: x.tag, qty: typeof x.qty === 'number' ? x.qty : 1 };
    return { ok: true, value: typeof x.pass === 'string' ? { ...value, pass: x.pass } : value };
  },
  decide(s, c, ctx) {
    if (c.pass !== undefined) {
      const r = ctx.call<{ seen: number }>('slip', c.pass, { tag: `${c.tag}-passed`, qty: c.qty });
      if (!r.ok) return reject(r.code, r.message);
    }
    return { events: [{ tag: c.tag, qty: c.qty }], result: { seen: s.seen.length + 1, qty: c.qty } };
  },
  evolve: (s, e) => ({ seen: [...s.seen, e] }),
});

/** Tags its decision with what it is told: `tags` go on the record's header, not into its payload. */
const tagger = defineActor<{ n: number }, { tags: string[] }, { t: 'g' }>({
  name: 'tagger',
  initial: () => ({ n: 0 }),
  decide: (s, c) => ({ events: [{ t: 'g' }], result: { n: s.n + 1 }, tags: c.tags }),
  evolve: (s) => ({ n: s.n + 1 }),
});

let stop: () => Promise<void>;

beforeAll(async () => {
  // Short idle times: actors are snapshotted and passivated between tests, so later tests reload them.
  ({ engine, nc, client, stop } = await inProcessEngine([...demoActors, fragile, blob, hoard, slip, tagger], {
    namespace: ns,
    partitions: P,
    // Generous: this file shares its event loop with 5,000 concurrent commands and tests nothing about failover.
    leaseTtlMs: 6000,
    maxPendingPerActor: 300,
    snapshotIdleMs: 100,
    passivateAfterMs: 300,
    checkpointIntervalMs: 50,
    // Idle actors are snapshotted, not left to their chains: some tests here read those snapshots
    // (chains have their own tests, chain.test.ts).
    chainMaxRecords: 0,
  }));
});

afterAll(() => stop?.());

describe('engine, in one process: serial results and command ids', () => {
  it('5,000 concurrent commands from several clients end in exactly a serial result', async () => {
    const clients = [
      client,
      ...(await Promise.all([1, 2, 3].map(() => EngineClient.connect(NATS_URL, { namespace: ns, partitions: P })))),
    ];
    const adds = Array.from({ length: 5000 }, (_, i) => 1 + (i % 9));
    const replies = await Promise.all(
      adds.map((by, i) =>
        clients[i % clients.length]!.send<{ n: number }>(
          '001',
          'counter',
          'serial',
          { op: 'add', by },
          { timeout: 30_000 },
        ).then((r) => ({ by, n: r.n })),
      ),
    );
    // Every reply is the value right after its own addition: ordering them by value must
    // give a chain where each step adds exactly that command's amount.
    replies.sort((a, b) => a.n - b.n);
    let prev = 0;
    for (const r of replies) {
      expect(r.n - r.by).toBe(prev);
      prev = r.n;
    }
    expect(prev).toBe(adds.reduce((a, b) => a + b, 0));
    expect(await client.send('001', 'counter', 'serial', { op: 'get' })).toEqual({ n: prev });
    await Promise.all(clients.slice(1).map((c) => c.close()));
  });

  it('a repeated command id returns the first outcome, concurrently and later', async () => {
    const [a, b] = await Promise.all([
      client.send('002', 'account', 'idem', { op: 'deposit', amount: 7, tx: 'same' }, { id: 'dep-1' }),
      client.send('002', 'account', 'idem', { op: 'deposit', amount: 7, tx: 'same' }, { id: 'dep-1' }),
    ]);
    expect(a).toEqual({ balance: 7 });
    expect(b).toEqual({ balance: 7 });
    await client.send('002', 'account', 'idem', { op: 'deposit', amount: 1, tx: 'other' }, { id: 'dep-2' });
    expect(
      await client.send('002', 'account', 'idem', { op: 'deposit', amount: 7, tx: 'same' }, { id: 'dep-1' }),
    ).toEqual({ balance: 7 });
    const s = await client.send<{ balance: number; history: string[] }>('002', 'account', 'idem', { op: 'get' });
    expect(s.history).toEqual(['same', 'other']);
    expect(s.balance).toBe(8);
  });

  it('a repeated command id finds its first outcome in the snapshot once the actor was passivated', async () => {
    const p = partitionOf('snapid', P);
    expect(
      await client.send('snapid', 'account', 'a', { op: 'deposit', amount: 5, tx: 't1' }, { id: 'snap-dep' }),
    ).toEqual({
      balance: 5,
    });
    // Snapshotted after 100 ms idle, passivated after 300 ms: the id now lives only in the snapshot.
    await waitFor(() => engine.stats().get(p)?.actors === 0, { what: `partition ${p} empty`, timeoutMs: 15_000 });
    expect(
      await client.send('snapid', 'account', 'a', { op: 'deposit', amount: 9, tx: 't2' }, { id: 'snap-dep' }),
    ).toEqual({
      balance: 5,
    });
    expect(await client.send('snapid', 'account', 'a', { op: 'get' })).toMatchObject({ balance: 5, history: ['t1'] });
  });

  it('a large first outcome is read back from the log on a repeat, in memory and after passivation; snapshots hold only its place', async () => {
    const p = partitionOf('bigid', P);
    const first = await client.send<string>('bigid', 'blob', 'b', { size: 3000 }, { id: 'big-1' });
    expect(first).toBe('x'.repeat(3000));
    await client.send('bigid', 'blob', 'b', { size: 5 }, { id: 'small-1' });
    // The window keeps the record's place, not the 3 KB: the repeat reads the record.
    expect(await client.send('bigid', 'blob', 'b', { size: 4000 }, { id: 'big-1' })).toBe(first);
    await waitFor(() => engine.stats().get(p)?.actors === 0, { what: `partition ${p} empty`, timeoutMs: 15_000 });
    const snap = await latestSnapshot(nc, ns, p, 'blob.bigid.b');
    expect(snap?.length).toBeLessThan(1000);
    expect(decode<{ idl?: [string, number][] }>(snap!).idl?.map(([id]) => id)).toEqual(['big-1']);
    expect(await client.send('bigid', 'blob', 'b', { size: 10 }, { id: 'big-1' })).toBe(first);
    expect(await client.send('bigid', 'blob', 'b', { size: 6 }, { id: 'small-1' })).toBe('xxxxx');
    expect(await client.send('bigid', 'blob', 'b', { size: 0 })).toBe('n=2');
  });

  it('reads snapshots written before results were kept as bytes (ids with decoded results)', async () => {
    // The layout engines wrote until 22 Nov 2026: { seq, s, ids: [[id, result, seq]] }, in the snapshot
    // bucket. Such a snapshot belongs to an actor the partition's directory places in the bucket: here
    // one whose state is too large for a snapshot in the log.
    const p = partitionOf('oldsnap', P);
    await client.send('oldsnap', 'hoard', 'a', { size: 40_000 });
    await waitFor(() => engine.stats().get(p)?.actors === 0, { what: `partition ${p} empty`, timeoutMs: 15_000 });
    const kv = await new Kvm(nc).open(names(ns).snapshots);
    expect((await kv.get('hoard.oldsnap.a'))?.length).toBeGreaterThan(40_000);
    await kv.put('hoard.oldsnap.a', encode({ seq: 1, s: { parts: ['old'] }, ids: [['old-h', { n: 40 }, 1]] }));
    expect(await client.send('oldsnap', 'hoard', 'a', { size: 5 }, { id: 'old-h' })).toEqual({ n: 40 });
    expect(await client.send('oldsnap', 'hoard', 'a', { size: 0 })).toEqual({ n: 1, bytes: 3 });
  });
});

describe('engine, in one process: requests to a process and answers in parts', () => {
  it('a request to the process spanning partitions, answered in parts, answers every command exactly once', async () => {
    // Stores over every partition, two commands to each counter, a bad one, and an unknown type.
    const stores = Array.from({ length: 40 }, (_, i) => `mp${i}`);
    expect(new Set(stores.map((s) => partitionOf(s, P))).size).toBe(P);
    const items: unknown[] = [];
    for (const s of stores)
      for (const k of [0, 1]) items.push([s, 'counter', 'parts', `parts-${s}-${k}`, { op: 'add', by: 1 }]);
    items.push(['001', 'nope', 'x', 'parts-unknown', {}]);
    items.push(['bad store!', 'counter', 'x', 'parts-bad', {}]);
    const inbox = createInbox();
    const answers = new Map<number, unknown[]>();
    let messages = 0;
    const done = new Promise<void>((resolve) => {
      nc.subscribe(inbox, {
        callback: (_e, m) => {
          messages++;
          const r = decode<unknown[][] | { s: number[]; r: unknown[][] }>(m.data);
          const part: [number, unknown[]][] = Array.isArray(r)
            ? r.map((x, i) => [i, x])
            : r.s.map((i, k) => [i, r.r[k]!]);
          for (const [i, x] of part) {
            expect(answers.has(i)).toBe(false);
            answers.set(i, x);
          }
          if (answers.size === items.length) resolve();
        },
      });
    });
    nc.publish(`${ns}.proc.${engine.cfg.processId}`, encode({ c: items, m: 1 }), { reply: inbox });
    await done;
    expect(messages).toBeGreaterThanOrEqual(1);
    for (const [i, s] of stores.entries()) {
      // Both commands to one counter: 1 and 2, in the order sent.
      expect([s, answers.get(2 * i), answers.get(2 * i + 1)]).toEqual([s, [0, { n: 1 }], [0, { n: 2 }]]);
    }
    expect(answers.get(items.length - 2)?.slice(0, 2)).toEqual([1, 'unknown_actor_type']);
    expect(answers.get(items.length - 1)?.slice(0, 2)).toEqual([1, 'invalid']);
  });

  it('answers that together pass max_payload arrive in parts; a single result that large is a clear error', async () => {
    const max = nc.info!.max_payload;
    // One request (same tick, same store) whose 200 answers weigh twice the server's limit.
    const size = Math.ceil((2 * max) / 200);
    const big = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.send<string>('b01', 'blob', `b${i % 7}`, { size })),
    );
    expect(big.every((r) => r.length === size)).toBe(true);
    const err = await client.send('b01', 'blob', 'huge', { size: max + 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect([(err as EngineError).code, (err as EngineError).retryable]).toEqual(['invalid', false]);
    expect((err as EngineError).message).toMatch(/max_payload/);
    // The engine is still there, and the refused command left nothing behind.
    expect(await client.send<string>('b01', 'blob', 'after', { size: 3 })).toBe('xxx');
    expect(await client.send<string>('b01', 'blob', 'huge', { size: 0 })).toBe('n=0');
    expect(await client.send<string>('b01', 'blob', 'b0', { size: 0 })).toBe(`n=${Math.ceil(200 / 7)}`);
  });

  it('errors are typed: terminal rejections keep the domain code, bad input is invalid', async () => {
    const refused = await client
      .send('003', 'account', 'poor', { op: 'withdraw', amount: 5, tx: 'w' })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EngineError);
    expect(refused).toMatchObject({
      code: 'rejected',
      reason: 'insufficient_funds',
      retryable: false,
      details: { balance: 0 },
    });
    await expect(client.send('003', 'account', 'poor', { op: 'deposit', amount: 1.5, tx: 'x' })).rejects.toMatchObject({
      code: 'invalid',
      reason: 'bad_amount',
    });
    await expect(client.send('003', 'nope', 'x', { op: 'get' })).rejects.toMatchObject({
      code: 'unknown_actor_type',
      retryable: false,
    });
    await expect(client.send('bad store!', 'account', 'x', { op: 'get' })).rejects.toMatchObject({ code: 'invalid' });
    // A malformed request straight on the wire gets an answer, not silence or a crash.
    const raw = await nc.request(names(ns).cmdSubject(0), new TextEncoder().encode('not msgpack at all'), {
      timeout: 2000,
    });
    expect(decode<unknown[][]>(raw.data)[0]!.slice(0, 2)).toEqual([1, 'invalid']);
    // A store sent to a partition it does not hash to: client and engine disagree on P.
    const elsewhere = ['a', 'b', 'c', 'd', 'e'].find((s) => partitionOf(s, P) !== 0)!;
    const wrong = await nc.request(
      names(ns).cmdSubject(0),
      encode({ c: [[elsewhere, 'counter', 'c', null, { op: 'get' }]] }),
      {
        timeout: 2000,
      },
    );
    expect(decode<unknown[][]>(wrong.data)[0]!.slice(0, 2)).toEqual([1, 'invalid']);
  });
});

describe('engine, in one process: deciding a command', () => {
  it('a command from outside is parsed by its actor type once, even when it waits for a load; calls are not parsed', async () => {
    // Bad input is refused by the type's parse, as invalid, with its reason.
    await expect(client.send('005', 'slip', 'a', { qty: 2 })).rejects.toMatchObject({
      code: 'invalid',
      reason: 'no_tag',
    });
    // decide sees what parse made of the command (the default quantity).
    expect(await client.send('005', 'slip', 'a', { tag: 'plain' })).toEqual({ seen: 1, qty: 1 });
    // The call reaches a slip that is not in memory: the command runs again once it is loaded.
    expect(await client.send('005', 'slip', 'a', { tag: 'outer', qty: 3, pass: 'fresh' })).toEqual({ seen: 2, qty: 3 });
    expect(await client.send('005', 'slip', 'fresh', { tag: 'again' })).toEqual({ seen: 2, qty: 1 });
    expect(Object.fromEntries(parsedTags)).toEqual({ plain: 1, outer: 1, again: 1 });
  });

  it('a cross-actor transfer is atomic and durable before the reply', async () => {
    await client.send('004', 'account', 'from', { op: 'deposit', amount: 100, tx: 'd' });
    await expect(
      client.send('004', 'account', 'from', { op: 'transfer', to: 'to', amount: 30, tx: 't1' }),
    ).resolves.toEqual({ balance: 70 });
    await expect(
      client.send('004', 'account', 'from', { op: 'transfer', to: 'to', amount: 500, tx: 't2' }),
    ).rejects.toMatchObject({ reason: 'insufficient_funds' });
    const to = await client.send<{ balance: number; history: string[] }>('004', 'account', 'to', { op: 'get' });
    expect(to).toMatchObject({ balance: 30, history: ['t1'] });
  });

  it('past the mailbox bound a command is refused at once as overloaded (retryable), and nothing is half-applied', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 3000 }, () =>
        client.send<{ n: number }>('005', 'counter', 'busy', { op: 'add', by: 1 }, { retry: false }),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as EngineError);
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect(e).toMatchObject({ code: 'overloaded', retryable: true });
    expect(await client.send('005', 'counter', 'busy', { op: 'get' })).toEqual({ n: ok });
  });

  it('side outputs go out after the events that caused them are durable, with stable ids', async () => {
    const sub = nc.subscribe(`${ns}.demo.reminders.006`, { max: 1 });
    await client.send('006', 'account', 'late', { op: 'remind', key: 'k1', at: Date.now() + 200 });
    for await (const m of sub) {
      expect(m.headers?.get('Nats-Msg-Id')).toBe('reminder:late:k1');
      expect(decode(m.data)).toEqual({ account: 'late', key: 'k1' });
    }
    const s = await client.send<{ fired: string[] }>('006', 'account', 'late', { op: 'get' });
    expect(s.fired).toEqual(['k1']);
  });

  it('a decider that throws answers decider_failed and applies nothing; the actor goes on', async () => {
    await client.send('007', 'fragile', 'f', { op: 'inc' });
    await expect(client.send('007', 'fragile', 'f', { op: 'boom' })).rejects.toMatchObject({
      code: 'decider_failed',
      retryable: false,
    });
    await expect(client.send('007', 'fragile', 'f', { op: 'inc' })).resolves.toEqual({ n: 2 });
  });
});

describe('engine, in one process: actors in memory and their snapshots', () => {
  it('actors activate on first message and passivate when idle; a reactivated actor resumes from its snapshot', async () => {
    // Each is in memory once its first command is answered (counted one by one: on a loaded machine the
    // first of twenty may be idle long enough to be passivated before the last is sent).
    for (let i = 0; i < 20; i++) {
      await client.send('008', 'counter', `p${i}`, { op: 'add', by: i });
      expect(engine.isActive('008', 'counter', `p${i}`)).toBe(true);
    }
    const part = partitionOf('008', P);
    await waitFor(() => engine.stats().get(part)!.actors === 0, { what: 'idle actors to be passivated' });
    for (let i = 0; i < 20; i++)
      expect(await client.send('008', 'counter', `p${i}`, { op: 'add', by: 1 })).toEqual({ n: i + 1 });
  });

  it('an actor whose state passes max_payload is snapshotted in chunks, passivated, and reloads from them', async () => {
    const size = Math.floor(nc.info!.max_payload / 3);
    for (let i = 0; i < 5; i++) await client.send('h01', 'hoard', 'big', { size });
    const kv = await new Kvm(nc).open(names(ns).snapshots);
    const head = async (): Promise<{ chunks?: { n: number } } | undefined> => {
      const e = await kv.get('hoard.h01.big');
      return e === null || e.length === 0 ? undefined : decode(e.value);
    };
    await waitFor(async () => ((await head())?.chunks?.n ?? 0) >= 2, { what: 'a snapshot in chunks' });
    const part = partitionOf('h01', P);
    await waitFor(() => engine.stats().get(part)!.actors === 0, { what: 'the big actor to be passivated' });
    // Loaded again from the chunks: every part is there, and a new one lands on top.
    expect(await client.send('h01', 'hoard', 'big', { size: 0 })).toEqual({ n: 5, bytes: 5 * size });
    expect(await client.send('h01', 'hoard', 'big', { size: 10 })).toEqual({ n: 6 });
  });
});

describe('engine, in one process: records and metrics', () => {
  it("a decision's tags travel in its record's Lr-Tags header; a command sent without an id leaves no result in the log", async () => {
    const jsm = await jetstreamManager(nc);
    // The partition's last record of the tagger's own: housekeeping may append a record of idle
    // actors' snapshots to the same partition at any moment (a loaded box made it land in between).
    const last = async (store: string) => {
      const subject = names(ns).eventSubject(partitionOf(store, P));
      let m = (await jsm.streams.getMessage(names(ns).stream, { last_by_subj: subject }))!;
      for (;;) {
        const x = decode<{ x?: { a: string[]; sn?: unknown }[] }>(m.data).x ?? [];
        if (x.some((e) => e.a[0] === 'tagger' && e.sn === undefined)) return m;
        let prev = m;
        for (let seq = m.seq - 1; prev === m; seq--) {
          const at = await jsm.streams.getMessage(names(ns).stream, { seq });
          if (at?.subject === subject) prev = at;
        }
        m = prev;
      }
    };
    expect(await client.send('t01', 'tagger', 'a', { tags: ['dol:d1:o1:5', 'x=y'] }, { id: null })).toEqual({ n: 1 });
    const m = await last('t01');
    expect(m.header.get(TAGS_HEADER)).toBe('dol:d1:o1:5 x=y');
    const rec = decode<{ x: { a: string[]; c?: string; r?: unknown }[] }>(m.data);
    expect(rec.x).toHaveLength(1);
    expect(rec.x[0]).toMatchObject({ a: ['tagger', 't01', 'a'] });
    expect(rec.x[0]!.c).toBeUndefined();
    expect(rec.x[0]!.r).toBeUndefined();
    // Untagged records carry the header empty (a reader tells them from records older than tags).
    await client.send('t01', 'tagger', 'a', { tags: [] });
    expect((await last('t01')).header.get(TAGS_HEADER)).toBe('');
    // A tag that could break the header (a space, a line end) fails the decision: nothing is written.
    const before = (await last('t01')).seq;
    const bad = await client.send('t01', 'tagger', 'a', { tags: ['a b'] }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(EngineError);
    expect((bad as EngineError).code).toBe('decider_failed');
    expect((await last('t01')).seq).toBe(before);
    expect(await client.send('t01', 'tagger', 'a', { tags: [] })).toEqual({ n: 3 });
  });

  it('exposes Prometheus metrics for commands, appends, batches, mailboxes and leases', async () => {
    const text = await engine.metrics.text();
    expect(text).toMatch(/lunchrush_engine_commands_total\{outcome="ok"\} \d+/);
    expect(text).toMatch(/lunchrush_engine_commands_total\{outcome="overloaded"\} \d+/);
    expect(text).toContain('lunchrush_engine_append_seconds_bucket');
    expect(text).toContain('lunchrush_engine_group_commit_entries_bucket');
    expect(text).toContain('lunchrush_engine_mailbox_depth');
    expect(text).toMatch(/lunchrush_engine_lease_changes_total\{kind="acquired"\} \d+/);
    expect(text).toContain('lunchrush_engine_partition_recovery_seconds_bucket');
  });
});
