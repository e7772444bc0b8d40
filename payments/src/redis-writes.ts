/**
 * Several Redis writes that belong together (an order's owner, the diner's order list and
 * the idempotent answer; a payment record and its place in the query queue) as one script
 * call: atomic like MULTI, but one command, so ioredis's auto-pipelining batches it with
 * the other requests' commands into one socket write. A MULTI/EXEC is a pipeline of its
 * own, written to the socket by itself, and showed as ~10% of the gateway's CPU when
 * every placed order made one.
 */
import type { Redis } from 'ioredis';

export type WriteOp =
  | { readonly set: string; readonly value: string; readonly ttlS: number }
  /** LPUSH, then keep the newest `keep` entries. */
  | { readonly lpush: string; readonly value: string; readonly keep: number }
  | { readonly zadd: string; readonly score: number; readonly member: string };

// KEYS[i] is the key of op i; ARGV holds three values per op: its kind and two arguments.
const SCRIPT = `
for k = 1, #KEYS do
  local a = 3 * k - 2
  local op = ARGV[a]
  if op == 's' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'EX', ARGV[a + 2])
  elseif op == 'l' then
    redis.call('LPUSH', KEYS[k], ARGV[a + 1])
    redis.call('LTRIM', KEYS[k], 0, tonumber(ARGV[a + 2]) - 1)
  elseif op == 'z' then
    redis.call('ZADD', KEYS[k], ARGV[a + 1], ARGV[a + 2])
  else
    return redis.error_reply('unknown write ' .. tostring(op))
  end
end
return #KEYS
`;

type WithScript = Redis & { lrWrites(numKeys: number, ...args: (string | number)[]): Promise<number> };

const defined = new WeakSet<Redis>();

/**
 * Make one at start-up, before the client carries traffic: ioredis 5.11 breaks an auto-pipeline
 * that is under way when `defineCommand` is called ("results[i] is not iterable", redis/ioredis#1931),
 * so the script is defined once per client here, never lazily on the first write.
 */
export class RedisWrites {
  private readonly redis: WithScript;

  constructor(redis: Redis) {
    if (!defined.has(redis)) {
      redis.defineCommand('lrWrites', { lua: SCRIPT });
      defined.add(redis);
    }
    this.redis = redis as WithScript;
  }

  /** Runs `ops` in order, atomically, in one round trip. */
  async run(ops: readonly WriteOp[]): Promise<void> {
    const keys: string[] = [];
    const args: (string | number)[] = [];
    for (const op of ops) {
      if ('set' in op) {
        keys.push(op.set);
        args.push('s', op.value, op.ttlS);
      } else if ('lpush' in op) {
        keys.push(op.lpush);
        args.push('l', op.value, op.keep);
      } else {
        keys.push(op.zadd);
        args.push('z', op.score, op.member);
      }
    }
    await this.redis.lrWrites(keys.length, ...keys, ...args);
  }
}
