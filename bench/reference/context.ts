import type { KeyPairKeyObjectResult } from 'node:crypto';
import type { GatewayConfig } from '@lunchrush/gateways';
import type { Auth } from './auth.js';
import type { Catalog } from './catalog.js';
import type { Backend } from './backend.js';

/** What the routes of a reference design share. */
export interface Reference {
  readonly cfg: GatewayConfig;
  readonly backend: Backend;
  readonly auth: Auth;
  readonly catalog: Catalog;
  /** The merchant's key (paySign) and WeChat Pay's (callbacks): one pair, signed and verified in-process. */
  readonly rsa: KeyPairKeyObjectResult;
}
