/**
 * A store's printer configuration: the value of key `store.<storeId>` in the KV
 * bucket `<ns>_printers`, written by the staff side as JSON and watched by the
 * daemon, so a change applies to every ticket not yet printed.
 */
import { z } from 'zod';
import { ConfigError } from './errors.js';

export const DEFAULT_PRINTER_PORT = 9100;
export const DEFAULT_STALE_AFTER_MS = 15 * 60_000;
export const DEFAULT_FAILOVER_AFTER_MS = 30_000;
export const DEFAULT_TZ_OFFSET_MIN = 480;
export const MAX_COPIES = 5;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export const ENCODINGS = ['gb18030', 'gbk', 'big5'] as const;
export type PrinterEncoding = (typeof ENCODINGS)[number];

export const PrinterConfigSchema = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(DEFAULT_PRINTER_PORT),
  /** Paper width: 58 mm = 384 dots, 32 columns; 80 mm = 576 dots, 48 columns. */
  widthMm: z.union([z.literal(58), z.literal(80)]).default(80),
  encoding: z.enum(ENCODINGS).default('gb18030'),
  /** Shown in alarms: "热菜档口打印机". */
  name: z.string().max(64).optional(),
});

export const StationRouteSchema = z.strictObject({
  printer: z.string().regex(ID),
  /** Takes the station's tickets once `printer` has been failing for `failoverAfterMs`. */
  backup: z.string().regex(ID).optional(),
  /** Identical copies per ticket (multi-part tickets: kitchen + pass). */
  copies: z.number().int().min(1).max(MAX_COPIES).default(1),
  /** Printed in the ticket header: "热菜". */
  label: z.string().max(32).optional(),
});

export const StoreConfigSchema = z
  .strictObject({
    store: z.string().regex(ID),
    name: z.string().max(64).optional(),
    printers: z.record(z.string().regex(ID), PrinterConfigSchema),
    stations: z.record(z.string().regex(ID), StationRouteSchema).default({}),
    /** Where stations missing from `stations` print; none = such tickets are held with an alarm. */
    defaultRoute: StationRouteSchema.optional(),
    /** Tickets older than this (since the order was accepted) print with a LATE banner, or not at all. */
    staleAfterMs: z.number().int().min(0).default(DEFAULT_STALE_AFTER_MS),
    /** `banner`: print with a LATE banner; `kds-only`: do not print, the kitchen display has it. */
    stalePolicy: z.enum(['banner', 'kds-only']).default('banner'),
    failoverAfterMs: z.number().int().min(0).default(DEFAULT_FAILOVER_AFTER_MS),
    /** Local time on tickets: minutes east of UTC (480 = Beijing). */
    tzOffsetMin: z.number().int().min(-720).max(840).default(DEFAULT_TZ_OFFSET_MIN),
  })
  .superRefine((c, ctx) => {
    const routes: [string, StationRoute][] = Object.entries(c.stations).map(([s, r]) => [`stations.${s}`, r]);
    if (c.defaultRoute !== undefined) routes.push(['defaultRoute', c.defaultRoute]);
    for (const [path, r] of routes) {
      if (!(r.printer in c.printers))
        ctx.addIssue({ code: 'custom', message: `${path}.printer: no printer "${r.printer}"` });
      if (r.backup !== undefined && !(r.backup in c.printers))
        ctx.addIssue({ code: 'custom', message: `${path}.backup: no printer "${r.backup}"` });
      if (r.backup === r.printer) ctx.addIssue({ code: 'custom', message: `${path}.backup: same as printer` });
    }
  });

export type StoreConfigInput = z.input<typeof StoreConfigSchema>;
export type StoreConfig = z.output<typeof StoreConfigSchema>;
export type PrinterConfig = z.output<typeof PrinterConfigSchema>;
export type StationRoute = z.output<typeof StationRouteSchema>;

/** Validates a store configuration; throws a ConfigError naming every problem. */
export function parseStoreConfig(value: unknown): StoreConfig {
  const r = StoreConfigSchema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new ConfigError(`invalid store printer configuration: ${issues.join('; ')}`);
}

/** The key of a store's configuration in the `<ns>_printers` bucket. */
export const storeConfigKey = (store: string): string => `store.${store}`;

/** The route of a station: its own, else the store's default, else none. */
export function routeOf(cfg: StoreConfig, station: string): StationRoute | undefined {
  return cfg.stations[station] ?? cfg.defaultRoute;
}
