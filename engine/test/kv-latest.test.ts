import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { cleanupNamespace, connectNats, uniqueNamespace } from '@lunchrush/testkit';
import { names } from '@lunchrush/engine/names';
import { kvLatest, RequestWindow } from '../src/request-window.js';

const ns = uniqueNamespace('kvl');
const bucket = names(ns).snapshots;
let nc: NatsConnection;
let kv: KV;
let w: RequestWindow;

beforeAll(async () => {
  nc = await connectNats();
  kv = await new Kvm(jetstream(nc)).create(bucket, { history: 1 });
  w = new RequestWindow(nc);
});
afterAll(async () => {
  w?.close();
  await cleanupNamespace(nc, ns);
  await nc.close();
});

describe('kvLatest: a KV read through the request window (a real bucket)', () => {
  it('gives what kv.get gives: the latest value, nothing for a missing, deleted or purged key', async () => {
    const get = (key: string): Promise<Uint8Array | undefined> => kvLatest(w, bucket, key, 5_000);
    expect(await get('order.s1.o1')).toBeUndefined();
    await kv.put('order.s1.o1', new Uint8Array([1, 2, 3]));
    await kv.put('order.s1.o1', new Uint8Array([4, 5]));
    expect([...(await get('order.s1.o1'))!]).toEqual([4, 5]);
    await kv.put('order.s1.o2', new Uint8Array([9]));
    await kv.delete('order.s1.o2');
    expect(await get('order.s1.o2')).toBeUndefined();
    await kv.put('order.s1.o3', new Uint8Array([7]));
    await kv.purge('order.s1.o3');
    expect(await get('order.s1.o3')).toBeUndefined();
    expect([...(await get('order.s1.o1'))!]).toEqual([4, 5]);
  });

  it('fails clearly for a bucket that does not exist', async () => {
    await expect(kvLatest(w, `${ns}_nothing`, 'k', 2_000)).rejects.toThrow();
  });
});
