/**
 * Demo data through the engine, for `npm start`, tests and the bench: the
 * actors' generator (`generateDemoData`), loaded with its own setup commands and
 * stable command ids. A store counts as loaded once its store actor has a name,
 * and the store's `configure`/`open` go last, so a restart (or a crash half-way)
 * loads exactly the stores not finished, and never resets the stock of a store
 * that has been selling. Each store lists its tables itself (a table's `configure`
 * tells its store), so nothing goes anywhere but the engine; every store is added to the
 * chain's list of stores (`store-directory`, what the console's store picker offers).
 */
import { randomBytes } from 'node:crypto';
import { ActorTypes, CHAIN_STORE_ID, catalogOf, parseTableCode, storeOf } from '@lunchrush/actors';
import { staffAccountOf, storeDirectoryOf } from '@lunchrush/actors/staff';
import { demoSetupCommands, generateDemoData, type DemoData, type DemoOptions } from '@lunchrush/actors/demo';
import type { EngineClient } from '@lunchrush/engine';
import { hashPassword, signStaffToken, signTableToken, type GatewayConfig, type StaffRole } from '@lunchrush/gateways';

const SEND_TIMEOUT_MS = 30_000;
const STORES_AT_ONCE = 4;

export interface SeedResult {
  readonly data: DemoData;
  readonly loaded: string[];
  readonly skipped: string[];
}

export async function seedDemo(
  client: EngineClient,
  opts: DemoOptions = {},
  onStore?: (store: string, loaded: boolean) => void,
): Promise<SeedResult> {
  const data = generateDemoData(opts);
  const at = Date.now();
  const commands = demoSetupCommands(data, at);
  const send = (c: (typeof commands)[number]): Promise<unknown> =>
    client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: SEND_TIMEOUT_MS });

  const template = await catalogOf(client, CHAIN_STORE_ID).send({ type: 'get' }, { timeout: SEND_TIMEOUT_MS });
  if (template.rev === 0) await send(commands[0]!);

  const loaded: string[] = [];
  const skipped: string[] = [];
  const directory = storeDirectoryOf(client);
  const queue = [...data.stores];
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
      const store = s.storeId;
      const view = await storeOf(client, store).send({ type: 'get' }, { timeout: SEND_TIMEOUT_MS });
      // In the chain's list of stores (the console's picker) first: a store loaded before the list
      // existed is added on the next start, and a store its manager renamed keeps its name.
      await directory.send(
        { type: 'add', store, name: view.name || s.settings.name, at },
        { timeout: SEND_TIMEOUT_MS },
      );
      if (view.name !== '') {
        skipped.push(store);
        onStore?.(store, false);
        continue;
      }
      const mine = commands.filter((c) => c.ref.store === store);
      const storeLevel = mine.filter((c) => c.ref.type === ActorTypes.Store);
      const catalog = mine.filter((c) => c.ref.type === ActorTypes.Catalog);
      const rest = mine.filter((c) => c.ref.type !== ActorTypes.Store && c.ref.type !== ActorTypes.Catalog);
      for (const c of catalog) await send(c); // template before store prices
      await Promise.all(rest.map(send));
      for (const c of storeLevel) await send(c); // configure, then open: last, so "has a name" means loaded
      loaded.push(store);
      onStore?.(store, true);
    }
  };
  await Promise.all(Array.from({ length: STORES_AT_ONCE }, () => worker()));
  return { data, loaded: loaded.sort(), skipped: skipped.sort() };
}

/** Signed QR links and staff tokens to print for a demo. */
export function demoCredentials(
  cfg: GatewayConfig,
  data: DemoData,
  publicUrl: string,
  store = '001',
  tables = 3,
): { qr: { code: string; label: string; token: string; link: string }[]; staff: Record<StaffRole, string> } {
  const s = data.stores.find((x) => x.storeId === store) ?? data.stores[0]!;
  const qr = s.tables.slice(0, tables).map((t) => {
    const token = signTableToken(cfg.qrKeys, parseTableCode(t.tableId));
    return { code: t.code, label: t.config.label, token, link: `${publicUrl}/v1/tables/resolve?token=${token}` };
  });
  const staff = Object.fromEntries(
    (['waiter', 'kitchen', 'manager'] as const).map((role) => [
      role,
      signStaffToken(cfg.staffKeys, { store: s.storeId, role, staffId: `demo-${role}`, ttlS: cfg.staffTokenTtlS }),
    ]),
  ) as Record<StaffRole, string>;
  return { qr, staff };
}

/** The demo chain admin's login name. */
export const DEMO_ADMIN = 'admin';

/**
 * The demo's chain admin for the merchant console (`/console/`): created when missing, and
 * given a new random password on every start (only its argon2 hash is stored, so the one
 * printed is the only copy; setting it also ends a lockout).
 */
export async function demoAdmin(
  client: EngineClient,
  stores: readonly string[],
): Promise<{ username: string; password: string }> {
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const account = staffAccountOf(client, DEMO_ADMIN);
  const by = { id: 'system:npm-start', role: 'system' as const, store: CHAIN_STORE_ID, ip: '' };
  const at = Date.now();
  const opts = { timeout: SEND_TIMEOUT_MS };
  if ((await account.send({ type: 'get' }, opts)) === null)
    await account.send(
      { type: 'create', name: '演示管理员', role: 'admin', stores: [...stores], passwordHash, by, at },
      opts,
    );
  else await account.send({ type: 'setPassword', passwordHash, by, at }, opts);
  return { username: DEMO_ADMIN, password };
}
