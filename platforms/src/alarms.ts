/**
 * Staff alarms for a platform's sync: when a platform goes `down` (failing for `downAfterMs`) and
 * when it is back, every store it sells hears it on the staff board's alarm channel
 * (`<ns>.alarms.<store>`, core NATS, beside the printers' and the refund worker's alarms): its
 * dishes may show on the platform as they were, so staff may need to pause it there by hand.
 * Every `HEALTH_EVERY_MS` each store also hears each platform's health (`PlatformHealthPush`:
 * last sync, lag, errors, backlog), which the board shows in a pane of its own, so staff see a
 * platform falling behind before it is down, without the ops token.
 */
import { encode, ensureError } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { PlatformHealth } from './health.js';
import type { PlatformMapping } from './mapping.js';
import type { PlatformName } from './platform.js';

export interface PlatformSyncAlarm {
  readonly kind: 'platform_sync';
  readonly store: string;
  readonly platform: PlatformName;
  readonly status: 'down' | 'ok';
  /** The platform's last error, when down. */
  readonly message: string;
  /** Changes waiting for it. */
  readonly pending: number;
  readonly at: number;
}

/** A platform's sync health as the staff board shows it (on the same channel, not an alarm). */
export interface PlatformHealthPush {
  readonly kind: 'platform_health';
  readonly store: string;
  readonly platform: PlatformName;
  readonly status: PlatformHealth['status'];
  readonly lastSyncAt: number | null;
  readonly lagP50Ms: number | null;
  readonly lagP99Ms: number | null;
  readonly errors: number;
  readonly pending: number;
  readonly at: number;
}

const EVERY_MS = 1_000;
const HEALTH_EVERY_MS = 5_000;

export class HealthAlarms {
  private readonly last = new Map<PlatformName, 'down' | 'ok'>();
  private timer: NodeJS.Timeout | undefined;
  private n = 0;
  private healthAt = 0;

  constructor(
    private readonly o: {
      readonly nc: NatsConnection;
      readonly namespace: string;
      readonly mapping: Readonly<Record<PlatformName, PlatformMapping>>;
      readonly health: () => Promise<{ platforms: PlatformHealth[] }>;
      readonly log: Logger;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.check().catch((e: unknown) =>
        this.o.log.warn({ err: ensureError(e).message }, 'platform alarms: check failed'),
      );
    }, EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async check(now = Date.now()): Promise<void> {
    const all = (await this.o.health()).platforms;
    if (now - this.healthAt >= HEALTH_EVERY_MS) {
      this.healthAt = now;
      for (const h of all) this.healthToStores(h, now);
    }
    for (const h of all) {
      const platform = h.platform as PlatformName;
      const status = h.status === 'down' ? 'down' : 'ok';
      const was = this.last.get(platform) ?? 'ok';
      this.last.set(platform, status);
      if (status === was) continue;
      for (const store of this.o.mapping[platform].stores()) {
        const a: PlatformSyncAlarm = {
          kind: 'platform_sync',
          store,
          platform,
          status,
          message: status === 'down' ? (h.lastError?.message ?? '') : '',
          pending: h.pending,
          at: Date.now(),
        };
        this.publish(store, a);
      }
      this.o.log.warn({ platform, status }, 'platform sync alarm');
    }
  }

  private healthToStores(h: PlatformHealth, now: number): void {
    const platform = h.platform as PlatformName;
    for (const store of this.o.mapping[platform].stores()) {
      const push: PlatformHealthPush = {
        kind: 'platform_health',
        store,
        platform,
        status: h.status,
        lastSyncAt: h.lastSyncAt,
        lagP50Ms: h.lagMs.p50,
        lagP99Ms: h.lagMs.p99,
        errors: h.errors,
        pending: h.pending,
        at: now,
      };
      this.publish(store, push);
    }
  }

  private publish(store: string, data: PlatformSyncAlarm | PlatformHealthPush): void {
    const hd = natsHeaders();
    hd.set('Nats-Msg-Id', `alarm:${store}:platforms-${process.pid}:${++this.n}`);
    this.o.nc.publish(names(this.o.namespace).subject(`alarms.${store}`), encode(data), { headers: hd });
  }
}
