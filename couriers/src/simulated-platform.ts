/**
 * What both courier platforms' simulators are made of: orders kept in memory, each with the timer of
 * its rider's next step; an HTTP server on 127.0.0.1 that reads a request whole and answers JSON
 * (200, as both platforms answer even a refusal); the callbacks sent and what the merchant answered.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A callback as it was sent, and what the merchant answered (HTTP status; 0: no answer). */
export interface SentCallback {
  readonly shopOrderId: string;
  readonly body: string;
  readonly sign: string;
  readonly answered: number;
}

export interface SimulatedOrder {
  status: number;
  timer: NodeJS.Timeout | undefined;
}

export abstract class SimulatedPlatform<O extends SimulatedOrder> {
  readonly sent: SentCallback[] = [];
  readonly cancels: string[] = [];
  /** Every create it was sent (the merchant's number each time, repeats included). */
  readonly creates: string[] = [];
  /** By the merchant's order number. */
  protected readonly orders = new Map<string, O>();
  /** Orders made so far (their platform ids are numbered with it). */
  protected n = 0;
  /** Closed: no rider takes another step. */
  protected closed = false;
  private server: Server | undefined;

  /** Listens on 127.0.0.1 (`port` 0: any free one); answers the API base URL. */
  async listen(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    this.server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Stops the riders, stops listening and drops the connections still open (keep-alive ones included). */
  async close(): Promise<void> {
    this.closed = true;
    for (const o of this.orders.values()) clearTimeout(o.timer);
    const server = this.server;
    await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
    server?.closeAllConnections();
  }

  /** The order's status code as the platform holds it. */
  statusOf(shopOrderId: string): number | undefined {
    return this.orders.get(shopOrderId)?.status;
  }

  /** The platform's answer to one request (its raw body and URL path with query). */
  protected abstract respond(raw: string, url: string): object;

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = this.respond(Buffer.concat(chunks).toString('utf8'), req.url ?? '/');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }
}
