import fs from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { startNatsServer, waitFor } from '@lunchrush/testkit';
import { isAlive } from './support.js';

describe('startNatsServer', () => {
  it('starts a JetStream server on a free loopback port with its own store, and stops it', async () => {
    const server = await startNatsServer();
    try {
      expect(server.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
      expect(isAlive(server.pid)).toBe(true);
      const nc = await connect({ servers: server.url, noAsyncTraces: true });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
      await jetstream(nc).publish('events.a', 'x');
      expect((await jsm.streams.info('EVENTS')).state.messages).toBe(1);
      await nc.close();
      expect(fs.existsSync(server.storeDir)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(isAlive(server.pid)).toBe(false);
    expect(fs.existsSync(server.storeDir)).toBe(false);
  });

  it('can start without JetStream', async () => {
    const server = await startNatsServer({ jetstream: false });
    try {
      const nc = await connect({ servers: server.url, noAsyncTraces: true });
      expect(nc.info?.jetstream ?? false).toBe(false);
      await expect(jetstreamManager(nc, { timeout: 2_000 })).rejects.toThrow();
      await nc.close();
    } finally {
      await server.stop();
    }
  });

  it('restarts after SIGKILL on the same port and store, keeping acknowledged messages', async () => {
    const first = await startNatsServer();
    let second: Awaited<ReturnType<typeof startNatsServer>> | undefined;
    try {
      let nc = await connect({ servers: first.url, noAsyncTraces: true });
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
      const js = jetstream(nc);
      for (let i = 0; i < 5; i++) await js.publish('events.a', String(i));
      await nc.close();

      first.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      second = await startNatsServer({ port: first.port, storeDir: first.storeDir });
      nc = await connect({ servers: second.url, noAsyncTraces: true });
      const jsm2 = await jetstreamManager(nc);
      const info = await waitFor(() => jsm2.streams.info('EVENTS'), { what: 'the stream after restart' });
      expect(info.state.messages).toBe(5);
      await nc.close();
    } finally {
      await second?.stop();
      await first.stop(); // removes the store dir it created
    }
  });
});
