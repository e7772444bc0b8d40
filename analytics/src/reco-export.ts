/**
 * The trained model tables as one compact `RecoModel` per scope (each store,
 * and `*` the chain), and their publication to the KV bucket the gateways
 * watch (`recoBucket` of `@lunchrush/actors/wire`): a gateway swaps a store's
 * model in memory when its key changes.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import type { RecoDinerHistory, RecoModel, RecoSlice } from '@lunchrush/actors';
import { recoBucket, recoDinerKey, recoModelKey } from '@lunchrush/actors/wire';
import type { TrainResult } from './reco-train.js';
import type { Warehouse } from './warehouse.js';

type Mutable = {
  -readonly [K in keyof RecoModel]: RecoModel[K];
};

function push<T>(rec: Record<string, T[]>, key: string, v: T): void {
  (rec[key] ??= []).push(v);
}

/** Reads the model tables (rows come sorted best first by their ORDER BY). */
export async function readModels(wh: Warehouse, run: TrainResult): Promise<Map<string, RecoModel>> {
  const models = new Map<string, Mutable>();
  const content: Record<string, [string, number][]> = {};
  for (const r of await wh.query<{ a: string; b: string; s: number }>(
    `SELECT sku_a AS a, sku_b AS b, score AS s FROM reco_content FINAL ORDER BY a, s DESC, b`,
  ))
    push(content, r.a, [r.b, r.s]);
  const scopeOf = (scope: string): Mutable => {
    let m = models.get(scope);
    if (m === undefined) {
      m = {
        v: 1,
        scope,
        builtAt: run.builtAt,
        trainedFrom: run.from,
        trainedTo: run.to,
        orders: 0,
        cf: {},
        slope: {},
        hot: {},
        party: {},
        content,
      };
      models.set(scope, m);
    }
    return m;
  };
  scopeOf('*');
  for (const r of await wh.query<{ scope: string; n: number }>(
    `SELECT sc AS scope, count() AS n FROM reco_baskets ARRAY JOIN [toString(store), '*'] AS sc GROUP BY scope`,
  ))
    scopeOf(r.scope).orders = Number(r.n);
  for (const r of await wh.query<{ scope: string; period: RecoSlice; a: string; b: string; s: number }>(
    `SELECT scope, period, sku_a AS a, sku_b AS b, score AS s FROM reco_cf FINAL ORDER BY scope, period, a, s DESC, b`,
  ))
    push((scopeOf(r.scope).cf[r.period] ??= {}), r.a, [r.b, r.s]);
  for (const r of await wh.query<{ scope: string; period: RecoSlice; a: string; b: string; dev: number; n: number }>(
    `SELECT scope, period, sku_a AS a, sku_b AS b, dev, diners AS n FROM reco_slope FINAL
     ORDER BY scope, period, a, n DESC, b`,
  ))
    push((scopeOf(r.scope).slope[r.period] ??= {}), r.a, [r.b, r.dev, Number(r.n)]);
  for (const r of await wh.query<{ scope: string; hour: number; sku: string; n: number }>(
    `SELECT scope, hour, sku_id AS sku, orders AS n FROM reco_hot FINAL ORDER BY scope, hour, n DESC, sku`,
  ))
    push(scopeOf(r.scope).hot, String(r.hour), [r.sku, Number(r.n)]);
  for (const r of await wh.query<{ scope: string; party: string; sku: string; n: number }>(
    `SELECT scope, party, sku_id AS sku, orders AS n FROM reco_hot_party FINAL ORDER BY scope, party, n DESC, sku`,
  ))
    push(scopeOf(r.scope).party!, r.party, [r.sku, Number(r.n)]);
  return models;
}

/** Returning diners' purchase counts, most first (`reco_diners`). */
export async function readDiners(wh: Warehouse, run: TrainResult): Promise<Map<string, RecoDinerHistory>> {
  const out = new Map<string, RecoDinerHistory>();
  for (const r of await wh.query<{ diner: string; skus: [string, number][] }>(
    `SELECT diner, arraySort(x -> -x.2, groupArray((sku_id, toUInt32(orders)))) AS skus
     FROM reco_diners FINAL GROUP BY diner ORDER BY diner`,
  ))
    // Only ids a KV key can hold (the gateway's are d_ and base64url).
    if (/^[A-Za-z0-9_-]{1,100}$/.test(r.diner))
      out.set(r.diner, { v: 1, builtAt: run.builtAt, skus: r.skus.map(([s, n]) => [s, Number(n)]) });
  return out;
}

/**
 * Puts every model, and every returning diner's history, in the bucket (made when missing);
 * returns the bytes written.
 */
export async function publishModels(
  nc: NatsConnection,
  namespace: string,
  models: ReadonlyMap<string, RecoModel>,
  diners: ReadonlyMap<string, RecoDinerHistory> = new Map(),
): Promise<number> {
  const kv = await new Kvm(nc).create(recoBucket(namespace), { history: 1 });
  let bytes = 0;
  for (const [scope, m] of models) {
    const body = JSON.stringify(m);
    bytes += body.length;
    await kv.put(recoModelKey(scope), body);
  }
  // Diners in rounds of 256 puts in flight: thousands of small values.
  const all = [...diners];
  for (let i = 0; i < all.length; i += 256)
    await Promise.all(
      all.slice(i, i + 256).map(([id, h]) => {
        const body = JSON.stringify(h);
        bytes += body.length;
        return kv.put(recoDinerKey(id), body);
      }),
    );
  return bytes;
}
