export { startGateway } from './server.js';
export type { Gateway, StartOptions } from './server.js';
export type { GatewayDeps } from './deps.js';
export { parseConfig, parseKeyRing, ConfigError, VARIABLES } from './config.js';
export type { GatewayConfig, KeyRing } from './config.js';
export { Auth, bearer, staffActor } from './auth.js';
export type { StaffClaims, StaffRole, TableTokenClaims } from './auth.js';
export {
  signStaffToken,
  signTableToken,
  signWebhook,
  verifyStaffToken,
  verifyTableToken,
  verifyWebhook,
  StaffRoleSchema,
} from './tokens.js';
export { ERROR_TABLE, ErrorCode, HttpError, statusOf, toHttpError } from './errors.js';
export type { ErrorSpec } from './errors.js';
export { seal, unseal, maskPhone } from './pii.js';
export type { DinerSession } from './sessions.js';
export { orderIdFor } from '@lunchrush/actors';
export { uwsBuild } from './uws.js';
export { hashPassword } from './console/index.js';
