/**
 * Each store's printer configuration in force: read from the `<ns>_printers`
 * bucket at start, then kept current by a watch. A refused value raises an
 * alarm and the previous configuration stays in force; a deleted one holds the
 * store's tickets.
 */
import type { KV, KvEntry } from '@nats-io/kv';
import type { Logger } from 'pino';
import type { PrinterAlarm } from './alarms.js';
import { ensureError } from './errors.js';
import { parseStoreConfig, storeConfigKey, type StoreConfig } from './store-config.js';

export interface StoreConfigsOptions {
  readonly kv: KV;
  /** Only this store's configuration; empty = every store. */
  readonly store: string;
  readonly log: Logger;
  /** A store's configuration changed, or was deleted. */
  readonly onChange: (store: string) => void;
  readonly alarm: (a: PrinterAlarm) => void;
}

export class StoreConfigs {
  private readonly configs = new Map<string, StoreConfig>();
  private stopWatch: (() => void) | undefined;
  private watching: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: StoreConfigsOptions) {}

  get(store: string): StoreConfig | undefined {
    return this.configs.get(store);
  }

  has(store: string): boolean {
    return this.configs.has(store);
  }

  stores(): string[] {
    return [...this.configs.keys()];
  }

  /** Applies every stored configuration, then follows changes until `stop()`. */
  async start(): Promise<void> {
    const { kv } = this.o;
    const prefix = this.o.store === '' ? 'store.>' : storeConfigKey(this.o.store);
    for await (const k of await kv.keys(prefix)) {
      const e = await kv.get(k);
      if (e !== null) this.apply(e);
    }
    // The watch repeats the current values (applied again, harmlessly), then every change.
    const watch = await kv.watch({ key: prefix });
    this.stopWatch = () => watch.stop();
    this.watching = (async () => {
      for await (const e of watch) {
        if (this.stopped) break;
        this.apply(e);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.watching.catch(() => undefined);
  }

  private apply(e: KvEntry): void {
    const store = e.key.slice('store.'.length);
    if (e.operation !== 'PUT') {
      this.o.log.warn({ store }, 'store printer configuration deleted: its tickets are held');
      this.configs.delete(store);
      this.o.onChange(store);
      return;
    }
    let cfg: StoreConfig;
    try {
      cfg = parseStoreConfig(JSON.parse(new TextDecoder().decode(e.value)));
      if (cfg.store !== store) throw new Error(`key ${e.key} holds the configuration of store ${cfg.store}`);
    } catch (err) {
      const message = ensureError(err).message;
      this.o.log.error({ store, message }, 'refused a store printer configuration');
      this.o.alarm({ kind: 'config_invalid', store, message, at: Date.now() });
      return;
    }
    this.configs.set(store, cfg);
    this.o.onChange(store);
    this.o.log.info(
      { store, printers: Object.keys(cfg.printers), stations: Object.keys(cfg.stations) },
      'configuration',
    );
  }
}
