/**
 * Staff alarms for a platform's sync: when a platform goes `down` (failing for `downAfterMs`) and
 * when it is back, every store it sells hears it on the staff board's alarm channel
 * (`<ns>.alarms.<store>`, core NATS, beside the printers' and the refund worker's alarms): its
 * dishes may show on the platform as they were, so staff may need to pause it there by hand.
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

const EVERY_MS = 1_000;

export class HealthAlarms {
  private readonly last = new Map<PlatformName, 'down' | 'ok'>();
  private timer: NodeJS.Timeout | undefined;
  private n = 0;

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

  async check(): Promise<void> {
    for (const h of (await this.o.health()).platforms) {
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
        const hd = natsHeaders();
        hd.set('Nats-Msg-Id', `alarm:${store}:platforms-${process.pid}:${++this.n}`);
        this.o.nc.publish(names(this.o.namespace).subject(`alarms.${store}`), encode(a), { headers: hd });
      }
      this.o.log.warn({ platform, status }, 'platform sync alarm');
    }
  }
}
