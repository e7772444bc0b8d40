/** What the diner API tests share: one in-process stack per file, with a rotated QR key ring and a low per-device limit. */
import { afterAll, beforeAll } from 'vitest';
import { startStack, type Stack } from '@lunchrush/stack/testing';

// k2 signs new codes; k1 (the development key) still verifies codes printed before the rotation.
export const K1 = 'k1:ZGV2LXFyLWtleS0xLWx1bmNocnVzaC1ub3Qtc2VjcmV0';
export const K2 = `k2:${Buffer.from('second-qr-key-for-rotation-test!').toString('base64')}`;

/** The file's stack, running from `beforeAll` on (see `useDinerStack`). */
export let s: Stack;

/** Starts the file's stack before its tests and closes it after them. */
export function useDinerStack(): void {
  beforeAll(async () => {
    s = await startStack({ GATEWAY_QR_KEYS: `${K2},${K1}`, GATEWAY_RATE_DEVICE: '5' });
  });
  afterAll(() => s?.close());
}
