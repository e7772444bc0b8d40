/** `stopOnSignals` (`@lunchrush/engine/process`): stop once on SIGINT/SIGTERM, then exit. */
import { expect, it } from 'vitest';
import { spawnTs } from '@lunchrush/testkit';

const CHILD = 'engine/test/stop-on-signals-child.ts';

it('stops once on the first signal, ignores a second while stopping, then exits 0', async () => {
  const h = spawnTs(CHILD);
  try {
    await h.waitForLine(/^READY$/);
    h.kill('SIGTERM');
    await h.waitForLine(/^STOPPING SIGTERM call 1$/);
    h.kill('SIGINT');
    await h.waitForLine(/^SIGINT seen$/);
    h.kill('SIGUSR2');
    expect(await h.exited).toMatchObject({ code: 0 });
    expect(h.lines.filter((l) => l.text.startsWith('STOPPING'))).toHaveLength(1);
  } finally {
    await h.stop();
  }
}, 30_000);

it('exits 1, the error on stderr, when the stop throws', async () => {
  const h = spawnTs(CHILD, { args: ['fail'] });
  try {
    await h.waitForLine(/^READY$/);
    h.kill('SIGINT');
    await h.waitForLine(/^STOPPING SIGINT call 1$/);
    h.kill('SIGUSR2');
    expect(await h.exited).toMatchObject({ code: 1 });
    expect(h.lines.some((l) => l.stream === 'stderr' && l.text.includes('the stop failed on purpose'))).toBe(true);
  } finally {
    await h.stop();
  }
}, 30_000);
