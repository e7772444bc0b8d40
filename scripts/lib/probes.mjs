// Is it there, and is it what we need: NATS (with JetStream) and Redis at a URL, asked without
// starting anything. Raw sockets first (a NATS client leaves a socket open when the peer is not
// NATS), the NATS client only to ask about JetStream.

import net from 'node:net';
import tls from 'node:tls';
import { SetupError } from './setup.mjs';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_NATS_PORT = 4222;
export const DEFAULT_REDIS_PORT = 6379;

const PROBE_TIMEOUT_MS = 2_000;

export function parseServiceUrl(raw, defaultScheme, defaultPort) {
  let url;
  try {
    url = new URL(raw.includes('://') ? raw : `${defaultScheme}://${raw}`);
  } catch {
    throw new SetupError(`cannot parse ${defaultScheme === 'nats' ? 'NATS_URL' : 'REDIS_URL'}=${raw}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    raw,
    url,
    host,
    port: url.port ? Number(url.port) : defaultPort,
    isLoopback: host === 'localhost' || host === '::1' || /^127\./.test(host),
  };
}

async function loadNatsClient() {
  try {
    const [{ connect }, { jetstreamManager }] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
    ]);
    return { connect, jetstreamManager };
  } catch (e) {
    throw new SetupError(`cannot load the NATS client (${e.message}); run npm ci`);
  }
}

/**
 * Reads the INFO line a NATS server sends on connect, without a client library (and
 * without the client's habit of leaving a socket open when the peer is not NATS).
 * { info } for NATS, { listening: true } for something else, {} when nothing answers.
 */
function readNatsInfo({ host, port }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    let connected = false;
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ listening: connected }), PROBE_TIMEOUT_MS);
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end < 0 && buffer.length < 64 * 1024) return;
      const line = end < 0 ? buffer : buffer.slice(0, end);
      if (!line.startsWith('INFO ')) return finish({ listening: true });
      try {
        finish({ info: JSON.parse(line.slice(5)) });
      } catch {
        finish({ listening: true });
      }
    });
    socket.on('error', (error) => finish({ listening: false, error }));
  });
}

/**
 * { answers: false } when nothing listens; { answers: false, occupied } when something
 * that is not NATS does; { answers: true, jetstream } for NATS. `servers` may be a
 * comma-separated list (a cluster).
 */
export async function probeNats(servers) {
  const list = servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const raw = await Promise.all(list.map((s) => readNatsInfo(parseServiceUrl(s, 'nats', DEFAULT_NATS_PORT))));
  if (!raw.some((r) => r.info)) {
    const occupied = raw.some((r) => r.listening);
    const error = raw.find((r) => r.error)?.error ?? new Error(occupied ? 'not a NATS server' : 'no answer');
    return { answers: false, occupied, error };
  }
  const { connect, jetstreamManager } = await loadNatsClient();
  let nc;
  try {
    nc = await connect({
      servers: list,
      name: 'lunchrush-services-probe',
      timeout: PROBE_TIMEOUT_MS,
      reconnect: false,
      noAsyncTraces: true,
    });
  } catch (error) {
    // It speaks NATS but will not let us in (credentials, TLS): not something to start.
    return { answers: true, jetstream: false, connectFailed: true, error, server: raw.find((r) => r.info)?.info };
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: PROBE_TIMEOUT_MS });
    const account = await jsm.getAccountInfo();
    return { answers: true, jetstream: true, account, server: nc.info };
  } catch (error) {
    return { answers: true, jetstream: false, error, server: nc.info };
  } finally {
    await nc.close().catch(() => {});
  }
}

function respCommand(parts) {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/** Raw RESP `PING` (after `AUTH` when the URL carries a password). */
export function probeRedis(endpoint) {
  const { url, host, port } = endpoint;
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const commands = [];
  if (password) commands.push(username ? ['AUTH', username, password] : ['AUTH', password]);
  commands.push(['PING']);

  return new Promise((resolve) => {
    const options = { host, port };
    const socket = url.protocol === 'rediss:' ? tls.connect({ ...options, servername: host }) : net.connect(options);
    let buffer = '';
    const replies = [];
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    let connected = false;
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { answers: true, ok: false, error: new Error('connected, but no reply to PING') }
            : { answers: false, error: new Error('no answer') },
        ),
      PROBE_TIMEOUT_MS,
    );
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(commands.map(respCommand).join(''));
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        replies.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      if (replies.length > 0 && !/^[-+:$*]/.test(replies[0])) {
        return finish({ answers: false, occupied: true, error: new Error(`not Redis: ${replies[0].slice(0, 60)}`) });
      }
      if (replies.length < commands.length) return;
      const failed = replies.find((r) => r.startsWith('-'));
      if (failed) finish({ answers: true, ok: false, error: new Error(failed.slice(1)) });
      else if (replies.at(-1) === '+PONG') finish({ answers: true, ok: true });
      else finish({ answers: true, ok: false, error: new Error(`unexpected reply ${JSON.stringify(replies.at(-1))}`) });
    });
    socket.on('error', (error) => finish({ answers: false, error }));
  });
}
