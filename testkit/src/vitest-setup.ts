/**
 * Run by vitest before each test file (`setupFiles`): names the file for `testLogger`, so
 * every service a test file starts in process logs to that file's own log.
 */
import { expect } from 'vitest';

const testPath = expect.getState().testPath;
if (testPath !== undefined) process.env.TESTKIT_TEST_FILE = testPath;
