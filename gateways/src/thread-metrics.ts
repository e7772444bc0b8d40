/**
 * One scrape per process, threaded too: a gateway thread's `/metrics` carries the engine's
 * metrics after its own, asked of the main thread (where the engine's registry lives) at each
 * scrape, as a node on one thread serves both from one registry (node.ts).
 */
import type { MessagePort } from 'node:worker_threads';
import type { Registry } from 'prom-client';

interface Ask {
  readonly k: number;
}
interface Answer {
  readonly k: number;
  readonly text: string;
}

/** The main thread's side: answers each ask with the registry's text exposition. */
export function serveMetrics(registry: Registry, port: MessagePort): void {
  port.on('message', (m: Ask) => {
    registry.metrics().then(
      (text) => port.postMessage({ k: m.k, text } satisfies Answer),
      (e: unknown) => port.postMessage({ k: m.k, text: `# engine metrics failed: ${String(e)}\n` } satisfies Answer),
    );
  });
}

/** The gateway thread's side: the engine's metrics, as text. */
export function askMetrics(port: MessagePort): () => Promise<string> {
  const open = new Map<number, (text: string) => void>();
  let next = 0;
  port.on('message', (a: Answer) => {
    open.get(a.k)?.(a.text);
    open.delete(a.k);
  });
  return () =>
    new Promise<string>((resolve) => {
      const k = next++;
      open.set(k, resolve);
      port.postMessage({ k } satisfies Ask);
    });
}
