export { ROLES, DEFAULT_READY_MS, startRole } from './roles.js';
export type { Role, RoleName, RoleProcess, StartRoleOptions } from './roles.js';
export { launchStack, simulatorEnv } from './launch.js';
export type { LaunchOptions, LaunchedStack } from './launch.js';
export { demoCredentials, seedDemo } from './demo.js';
export type { SeedResult } from './demo.js';
export { isNamespaceStream, resetDemo } from './demo-reset.js';
export type { ResetReport, ResetTarget } from './demo-reset.js';
