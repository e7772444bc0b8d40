import { mkdtemp, writeFile, access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { names as engineNames } from '@lunchrush/engine/names';
import { connectNats, connectRedis, natsUrl, redisUrl } from '@lunchrush/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { isNamespaceStream, resetDemo } from '../src/demo-reset.js';
import { call, idemKey, seatedDiner, startStack } from '@lunchrush/stack/testing';

describe('npm start -- --reset', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("deletes the namespace's streams, buckets, Redis keys and local folders, and nothing of another namespace", async () => {
    const s = await startStack();
    const ns = s.t.ns;
    const d = await seatedDiner(s, 1);
    const placed = await call(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'pai-huanggua', qty: 1 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(placed.status).toBe(201);
    // Stopped as Ctrl-C stops `npm start`, its data left in NATS and Redis (not the test cleanup).
    await s.gw.close();
    await s.engine.stop();
    cleanups.push(() => s.t.cleanup());

    // A neighbour whose name starts with this one's: `<ns>x` must survive.
    const nc = await connectNats();
    const redis = await connectRedis();
    const jsm = await jetstreamManager(nc);
    const other = `${ns}x`;
    await jsm.streams.add({ name: engineNames(other).stream, subjects: [engineNames(other).eventWildcard] });
    await redis.set(`${other}:gw:keep`, '1');
    cleanups.push(async () => {
      await jsm.streams.delete(engineNames(other).stream).catch(() => undefined);
      await redis.del(`${other}:gw:keep`);
      await nc.close();
      redis.disconnect();
    });
    const folder = await mkdtemp(path.join(os.tmpdir(), 'lr-reset-'));
    await writeFile(path.join(folder, 'data.bin'), 'old rows');

    const names = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const n of jsm.streams.names()) out.push(n);
      return out;
    };
    const mine = (await names()).filter((n) => isNamespaceStream(n, ns));
    expect(mine).toEqual(expect.arrayContaining([engineNames(ns).stream, `KV_${engineNames(ns).leases}`]));
    expect((await redis.keys(`${ns}:*`)).length).toBeGreaterThan(0);

    const r = await resetDemo({ natsUrl: natsUrl(), redisUrl: redisUrl(), namespace: ns, folders: [folder] });
    expect([...r.streams].sort()).toEqual([...mine].sort());
    expect(r.redisKeys).toBeGreaterThan(0);
    expect((await names()).filter((n) => isNamespaceStream(n, ns))).toEqual([]);
    expect(await redis.keys(`${ns}:*`)).toEqual([]);
    await expect(access(folder)).rejects.toThrow();
    expect(await names()).toContain(engineNames(other).stream);
    expect(await redis.get(`${other}:gw:keep`)).toBe('1');
  });

  it('matches names on the namespace and its separator only', () => {
    expect(isNamespaceStream('LR_EVENTS', 'lr')).toBe(true);
    expect(isNamespaceStream('KV_lr_snapshots', 'lr')).toBe(true);
    expect(isNamespaceStream('OBJ_lr_menus', 'lr')).toBe(true);
    expect(isNamespaceStream('LR2_EVENTS', 'lr')).toBe(false);
    expect(isNamespaceStream('KV_lr2_leases', 'lr')).toBe(false);
    expect(isNamespaceStream('KV_other_lr_x', 'lr')).toBe(false);
  });
});
