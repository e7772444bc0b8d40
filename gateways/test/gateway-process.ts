/**
 * A gateway alone in a process of its own, for tests that need a second gateway process (a
 * revocation or an order list reaching another process; per-process rate limits): the
 * configuration from the environment, no engine. Prints `GATEWAY READY port=<p>`.
 */
import { parseConfigOrExit } from '../src/config.js';
import { startGateway } from '../src/server.js';

const gw = await startGateway(parseConfigOrExit(process.env));
console.log(`GATEWAY READY port=${gw.port}`);
process.on('SIGTERM', () => {
  void gw.close().then(() => process.exit(0));
});
