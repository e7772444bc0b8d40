import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import { uniqueNamespace } from './namespace.js';
import { cleanupNamespace, connectNats } from './nats.js';
import { cleanupRedisPrefix, connectRedis } from './redis.js';

export interface TestContext {
  /** Fresh per call: use it for stream, bucket and Redis key names. */
  readonly ns: string;
  readonly nc: NatsConnection;
  /** Present when `setup({ redis: true })`. */
  readonly redis: Redis | undefined;
  /** Deletes the namespace's streams and Redis keys, then closes the connections. */
  cleanup(): Promise<void>;
}

export interface SetupOptions {
  readonly prefix?: string;
  readonly redis?: boolean;
}

/** One call in `beforeAll`, `cleanup()` in `afterAll`: a namespace plus connections. */
export async function setup(options: SetupOptions = {}): Promise<TestContext> {
  const ns = uniqueNamespace(options.prefix);
  const nc = await connectNats();
  const redis = options.redis === true ? await connectRedis() : undefined;
  return {
    ns,
    nc,
    redis,
    cleanup: async () => {
      try {
        await cleanupNamespace(nc, ns);
        if (redis !== undefined) await cleanupRedisPrefix(redis, ns);
      } finally {
        await nc.close();
        redis?.disconnect();
      }
    },
  };
}
