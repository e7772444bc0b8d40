/**
 * Issues a staff token with the configured staff key (GATEWAY_STAFF_KEYS):
 *
 *   node --import tsx gateways/src/staff-token.ts --store 001 --role manager --id zhang.wei [--ttl 43200]
 *
 * Tokens are verified without a round trip and expire by themselves; rotating
 * GATEWAY_STAFF_KEYS (drop the old key) revokes every token it signed.
 */
import { ConfigError, parseConfig } from './config.js';
import { signStaffToken, StaffRoleSchema } from './tokens.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

try {
  const cfg = parseConfig(process.env);
  const store = flag('store') ?? '';
  const role = StaffRoleSchema.safeParse(flag('role'));
  const id = flag('id') ?? '';
  const ttl = Number(flag('ttl') ?? cfg.staffTokenTtlS);
  if (
    !/^\d{3}$/.test(store) ||
    !role.success ||
    !/^[A-Za-z0-9_.-]{1,40}$/.test(id) ||
    !Number.isInteger(ttl) ||
    ttl < 60
  ) {
    console.error(
      'usage: staff-token.ts --store <3 digits> --role waiter|kitchen|manager --id <staff id> [--ttl <seconds ≥ 60>]',
    );
    process.exit(2);
  }
  console.log(signStaffToken(cfg.staffKeys, { store, role: role.data, staffId: id, ttlS: ttl }));
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`configuration error: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
