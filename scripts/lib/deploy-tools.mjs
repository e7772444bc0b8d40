// The tools that check and run the production shape: docker-compose (validates
// docker-compose.yml; there is no Docker engine here), promtool (Debian's prometheus package:
// alert rules and dashboard queries), nginx (the store-affine balancer of `npm run cluster`) and
// iptables (the cluster test that cuts a NATS member off the network).

import { findBinary, installDebianPackages } from './debian.mjs';
import { say } from './setup.mjs';

/** binary → the Debian package that has it. */
const TOOLS = { 'docker-compose': 'docker-compose', promtool: 'prometheus', nginx: 'nginx', iptables: 'iptables' };

/**
 * Installs, each only when its binary is missing, the Debian packages of `wanted` (binary names,
 * default all). apt-get runs only as root; otherwise this says what to install and goes on, and
 * the tests that need them fail naming the package.
 */
export function ensureDeployTools(wanted = Object.keys(TOOLS)) {
  const missing = [...new Set(wanted.filter((b) => findBinary(b) === null).map((b) => TOOLS[b]))];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || findBinary('apt-get') === null) {
    say(
      `missing ${missing.join(', ')} (the production-shape checks and npm run cluster use them); install as root: apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    return;
  }
  const startedAt = Date.now();
  installDebianPackages(missing, 'the production-shape checks need them');
  say(`installed ${missing.join(', ')} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
}
