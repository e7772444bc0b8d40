import { randomBytes } from 'node:crypto';

/**
 * A fresh lowercase alphanumeric name such as `t3f9a1c2b`, so every test file gets its
 * own streams, buckets and Redis keys. The prefix must itself be lowercase alphanumeric
 * and start with a letter (stream and bucket names derived from it stay valid).
 */
export function uniqueNamespace(prefix = 't'): string {
  if (!/^[a-z][a-z0-9]*$/.test(prefix)) {
    throw new Error(`uniqueNamespace: prefix must be lowercase alphanumeric starting with a letter, got "${prefix}"`);
  }
  return `${prefix}${randomBytes(5).toString('hex')}`;
}
