import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { names } from '@lunchrush/engine/names';
import { natsUrl } from './env.js';

// A short namespace would match other tests' streams (e.g. "kv" matches every bucket).
const MIN_NAMESPACE_LENGTH = 6;

/** A v3 client connection to NATS_URL with `noAsyncTraces` (see FIELD-NOTES); options override. */
export function connectNats(options: ConnectionOptions = {}): Promise<NatsConnection> {
  return connect({
    servers: natsUrl()
      .split(',')
      .map((s) => s.trim()),
    name: 'lunchrush-test',
    noAsyncTraces: true,
    ...options,
  });
}

/**
 * Whether a JetStream write through `nc` is acknowledged within `timeoutMs` (false on any failure:
 * no responders, a timeout, no leader), for `waitFor` while a cluster elects or learns a stream.
 */
export function jetstreamAcknowledges(
  nc: NatsConnection,
  subject: string,
  data: string,
  timeoutMs = 1_500,
): Promise<boolean> {
  return jetstream(nc, { timeout: timeoutMs })
    .publish(subject, data)
    .then(
      () => true,
      () => false,
    );
}

/**
 * Deletes every JetStream stream whose name contains `ns` (case-insensitive): the
 * engine's `<NS>_EVENTS`, KV buckets (`KV_<ns>_leases`, ...), object stores. Returns the
 * deleted names.
 */
export async function cleanupNamespace(nc: NatsConnection, ns: string): Promise<string[]> {
  if (ns.length < MIN_NAMESPACE_LENGTH) {
    throw new Error(`cleanupNamespace: refusing namespace "${ns}" shorter than ${MIN_NAMESPACE_LENGTH} characters`);
  }
  const needle = ns.toLowerCase();
  const jsm = await jetstreamManager(nc);
  const doomed: string[] = [];
  for await (const name of jsm.streams.names()) {
    if (name.toLowerCase().includes(needle)) doomed.push(name);
  }
  await Promise.all(doomed.map((name) => jsm.streams.delete(name)));
  return doomed;
}

/** partition → owner process id, as an engine namespace's lease bucket (`names(ns).leases`) says. */
export async function leaseOwners(nc: NatsConnection, ns: string): Promise<Map<number, string>> {
  const kv = await new Kvm(jetstream(nc)).open(names(ns).leases);
  const out = new Map<number, string>();
  const keys = await kv.keys('p.*');
  for await (const k of keys) {
    const e = await kv.get(k);
    if (e?.operation === 'PUT') out.set(Number(k.slice(2)), e.json<{ owner: string }>().owner);
  }
  return out;
}
