import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { ensureError } from '../errors.js';
import { partitionOf } from '../partitioning.js';
import { pause } from './env.js';
import type { Partition } from './index.js';

/** How long a request waits for others: partitions acquired together share one listing. */
const GATHER_MS = 1_000;

/**
 * Completes the actor directories of partitions whose checkpoints have none (written before
 * directories existed): one listing of the snapshot bucket's keys, shared by every partition that
 * asked meanwhile, gives each the actors of its stores that have a snapshot. Every actor with a
 * record before the checkpoint's watermark has one (that is what the watermark means); the
 * partition's replay and commits added the rest. Until it is complete a partition reads every
 * actor not in memory, as it did before directories.
 */
export class DirectoryBuilder {
  private readonly waiting = new Set<Partition>();
  private running = false;

  constructor(
    private readonly snapshots: KV,
    private readonly partitions: number,
    private readonly log: Logger,
  ) {}

  request(part: Partition): void {
    this.waiting.add(part);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (let attempt = 0; this.waiting.size > 0; attempt++) {
        await pause(attempt === 0 ? GATHER_MS : Math.min(30_000, GATHER_MS * 2 ** attempt));
        const parts = new Map<number, { part: Partition; keys: string[] }>();
        for (const part of this.waiting) parts.set(part.p, { part, keys: [] });
        try {
          let listed = 0;
          for await (const key of await this.snapshots.keys()) {
            listed++;
            const dot = key.indexOf('.');
            const store = key.slice(dot + 1, key.indexOf('.', dot + 1));
            parts.get(partitionOf(store, this.partitions))?.keys.push(key);
          }
          for (const { part, keys } of parts.values()) {
            this.waiting.delete(part);
            if (part.state === 'dead' || part.directory.complete) continue;
            part.directory.completeWith(keys);
            this.log.info({ partition: part.p, actors: keys.length, listed }, 'actor directory built');
          }
          attempt = -1;
        } catch (err) {
          this.log.warn(
            { err: ensureError(err).message, attempt },
            'listing snapshots for actor directories failed; retrying',
          );
        }
      }
    } finally {
      this.running = false;
    }
  }
}
