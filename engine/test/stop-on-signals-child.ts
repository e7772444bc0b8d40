/**
 * A process that stops with `stopOnSignals` (engine/test/process.test.ts): its stop prints and waits
 * for SIGUSR2, then resolves, or throws when started with `fail`. Every SIGINT it gets, it says.
 */
import { stopOnSignals } from '@lunchrush/engine/process';

let calls = 0;
stopOnSignals(async (signal) => {
  calls++;
  // Listening for SIGUSR2 before the line is out: the test sends it once it reads the line.
  const released = new Promise<void>((resolve) => process.once('SIGUSR2', () => resolve()));
  console.log(`STOPPING ${signal} call ${calls}`);
  await released;
  if (process.argv[2] === 'fail') throw new Error('the stop failed on purpose');
});
// Registered after the helper's: the helper has seen each SIGINT before this line is printed.
process.on('SIGINT', () => console.log('SIGINT seen'));
setInterval(() => undefined, 60_000);
console.log('READY');
