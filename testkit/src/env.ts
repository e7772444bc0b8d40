/** Where the shared test services are; `npm test` exports both after finding or starting them. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** NATS_URL, or the default. May be a comma-separated list of servers. */
export function natsUrl(): string {
  return process.env.NATS_URL || DEFAULT_NATS_URL;
}

/** REDIS_URL, or the default. */
export function redisUrl(): string {
  return process.env.REDIS_URL || DEFAULT_REDIS_URL;
}
