/**
 * A virtual ESC/POS network printer: a TCP server (port 9100 style) that parses
 * what it receives, answers `DLE EOT n` and `GS r 1` like a real one, can be
 * switched to paper out / near end, cover open, offline, cutter error or powered
 * off, and keeps every printed job as text and as a PNG of the paper.
 *
 * Like a real printer, while it is not ready it holds print data (real-time
 * commands are still answered) and prints it on recovery unless told to clear
 * its buffers (`DLE DC4 8`). An optional paper speed makes it take as long as a
 * real one would.
 */
import { EventEmitter } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { DocumentBuilder, EscPosTokenizer, type PrintedJob, type Token } from './escpos-parser.js';
import { renderJobPng } from './png.js';
import { DOTS } from './text.js';

export interface VirtualPrinterState {
  paper: 'ok' | 'near-end' | 'out';
  coverOpen: boolean;
  /** Offline for another reason (the staff pressed the offline button, a fault). */
  offline: boolean;
  cutterError: boolean;
}

export interface VirtualPrinterOptions {
  readonly name?: string;
  readonly host?: string;
  /** 0 = any free port. */
  readonly port?: number;
  /** Control HTTP API port; undefined = none, 0 = any free port. */
  readonly controlPort?: number;
  readonly widthMm?: 58 | 80;
  readonly encoding?: string;
  /** Paper speed; undefined = instant. 150–250 mm/s is typical. */
  readonly mmPerSecond?: number;
}

const READY: VirtualPrinterState = { paper: 'ok', coverOpen: false, offline: false, cutterError: false };
/** 24-dot lines plus spacing at 8 dots/mm. */
const MM_PER_TEXT_LINE = 30 / 8;

/** Events: `job` (a PrintedJob, complete or torn off), `state` (after every state change). */
export class VirtualPrinter extends EventEmitter {
  readonly name: string;
  readonly widthMm: 58 | 80;
  readonly encoding: string;
  readonly jobs: PrintedJob[] = [];
  private stateValue: VirtualPrinterState = { ...READY };
  private server: net.Server | undefined;
  private control: http.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly doc: DocumentBuilder;
  /** Print tokens waiting for the printer to be ready (or for the paper to move). */
  private held: { tok: Token; socket: net.Socket }[] = [];
  private busyUntil = 0;
  private busyTimer: NodeJS.Timeout | undefined;
  private markersHeld = false;
  /** `GS r` queries answered so far: one per job a daemon sent, once it was printed. */
  private markersSent = 0;
  private portValue = 0;
  private controlPortValue = 0;
  private bytesReceived = 0;

  private constructor(private readonly opts: VirtualPrinterOptions) {
    super();
    this.name = opts.name ?? 'virtual';
    this.widthMm = opts.widthMm ?? 80;
    this.encoding = opts.encoding ?? 'gb18030';
    this.doc = new DocumentBuilder(this.encoding);
  }

  static async start(opts: VirtualPrinterOptions = {}): Promise<VirtualPrinter> {
    const p = new VirtualPrinter(opts);
    p.portValue = opts.port ?? 0;
    await p.powerOn();
    if (opts.controlPort !== undefined) await p.serveControl(opts.controlPort, opts.host ?? '127.0.0.1');
    return p;
  }

  get port(): number {
    return this.portValue;
  }

  get controlPort(): number {
    return this.controlPortValue;
  }

  get powered(): boolean {
    return this.server !== undefined;
  }

  get state(): VirtualPrinterState {
    return { ...this.stateValue };
  }

  get ready(): boolean {
    const s = this.stateValue;
    return s.paper !== 'out' && !s.coverOpen && !s.offline && !s.cutterError;
  }

  /** Jobs ended by a cut. */
  completeJobs(): PrintedJob[] {
    return this.jobs.filter((j) => j.complete);
  }

  /** Changes the state (paper out, cover open…). Becoming ready prints whatever is held. */
  setState(change: Partial<VirtualPrinterState>): VirtualPrinterState {
    const wasReady = this.ready;
    this.stateValue = { ...this.stateValue, ...change };
    if (wasReady && !this.ready) this.tearOff();
    this.emit('state', this.state);
    if (this.ready) this.drain();
    return this.state;
  }

  /** How many `GS r` ("processed?") queries the printer has answered. */
  get markersAnswered(): number {
    return this.markersSent;
  }

  /**
   * Holds the answers to `GS r` (the printer prints, the daemon never hears it
   * finished): to put a daemon exactly between "bytes printed" and "recorded".
   */
  holdMarkers(hold: boolean): void {
    this.markersHeld = hold;
    if (!hold) this.drain();
  }

  /** Stops listening and drops every connection: the printer is switched off or unplugged. */
  async powerOff(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    this.sockets.clear();
    this.held = [];
    this.tearOff();
    if (s !== undefined) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Listens again (on the same port once it has one). */
  async powerOn(): Promise<void> {
    if (this.server !== undefined) return;
    const server = net.createServer((sock) => this.onConnection(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portValue, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.portValue = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    clearTimeout(this.busyTimer);
    await this.powerOff();
    const c = this.control;
    this.control = undefined;
    if (c !== undefined) await new Promise<void>((r) => c.close(() => r()));
  }

  /** The job as a PNG of the paper. */
  png(job: PrintedJob): Buffer {
    return renderJobPng(job, DOTS[this.widthMm] as 384 | 576);
  }

  /** One byte per `DLE EOT n`, as an Epson TM printer answers. */
  statusByte(n: number): number {
    const s = this.stateValue;
    const base = 0x12;
    if (n === 1) return base | (this.ready ? 0 : 0x08);
    if (n === 2) return base | (s.coverOpen ? 0x04 : 0) | (s.paper === 'out' ? 0x20 : 0) | (s.cutterError ? 0x40 : 0);
    if (n === 3) return base | (s.cutterError ? 0x08 : 0);
    if (n === 4) return base | (s.paper === 'near-end' ? 0x0c : 0) | (s.paper === 'out' ? 0x60 : 0);
    return base;
  }

  private onConnection(sock: net.Socket): void {
    this.sockets.add(sock);
    sock.setNoDelay(true);
    const tokenizer = new EscPosTokenizer();
    sock.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      let printData = 0;
      for (const tok of tokenizer.push(chunk)) {
        if (tok.t === 'realtime-status') sock.write(Buffer.from([this.statusByte(tok.n)]));
        else if (tok.t === 'clear-buffers') {
          this.held = this.held.filter((h) => h.socket !== sock);
          this.tearOff();
        } else if (tok.t !== 'realtime-other') {
          this.held.push({ tok, socket: sock });
          printData += tok.t === 'lf' ? 1 : tok.bytes.length;
        }
      }
      // Status polls are not part of a job: only print data starts one's clock.
      if (printData > 0) this.doc.noteBytes(printData, Date.now());
      this.drain();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.sockets.delete(sock);
      this.held = this.held.filter((h) => h.socket !== sock);
    });
  }

  /** Processes held print tokens while the printer is ready and the paper is not moving. */
  private drain(): void {
    while (this.held.length > 0 && this.ready) {
      const now = Date.now();
      if (now < this.busyUntil) {
        clearTimeout(this.busyTimer);
        this.busyTimer = setTimeout(() => this.drain(), this.busyUntil - now);
        return;
      }
      const head = this.held[0];
      if (head === undefined) return;
      const { tok, socket } = head;
      if (tok.t === 'cmd' && tok.bytes[0] === 0x1d && tok.bytes[1] === 0x72) {
        // GS r 1: in order, after everything before it was printed.
        if (this.markersHeld) return;
        this.held.shift();
        const s = this.stateValue;
        socket.write(Buffer.from([(s.paper === 'near-end' ? 0x03 : 0) | (s.paper === 'out' ? 0x0c : 0)]));
        this.markersSent++;
        continue;
      }
      this.held.shift();
      const job = this.doc.apply(tok, this.jobs.length + 1, now);
      if (job !== undefined) this.finishJob(job);
    }
  }

  private finishJob(job: PrintedJob): void {
    this.jobs.push(job);
    if (this.opts.mmPerSecond !== undefined && this.opts.mmPerSecond > 0) {
      const lines = job.blocks.reduce(
        (n, b) =>
          n +
          (b.kind === 'feed' ? b.lines : b.kind === 'qr' ? 6 : Math.max(1, ...b.segments.map((s) => s.style.height))),
        0,
      );
      this.busyUntil = Date.now() + ((lines * MM_PER_TEXT_LINE) / this.opts.mmPerSecond) * 1000;
    }
    this.emit('job', job);
  }

  /** What was printed before a fault stays on the paper, torn off without a cut. */
  private tearOff(): void {
    const job = this.doc.tearOff(this.jobs.length + 1, Date.now());
    if (job !== undefined) {
      this.jobs.push(job);
      this.emit('job', job);
    }
  }

  // ------------------------------------------------------------------ control API

  private async serveControl(port: number, host: string): Promise<void> {
    const server = http.createServer((req, res) => {
      void this.handleControl(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.controlPortValue = (server.address() as net.AddressInfo).port;
    this.control = server;
  }

  /**
   * GET  /              state, port, job count
   * POST /state         {"paper":"out"|"near-end"|"ok","coverOpen":bool,"offline":bool,"cutterError":bool}
   * POST /power         {"on": bool}
   * GET  /jobs          every job as JSON (text, complete, times)
   * GET  /jobs/<n>.txt  one job's text; /jobs/<n>.png its picture; /jobs/last.png the latest
   */
  private async handleControl(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body, null, 2));
    };
    const body = async (): Promise<Record<string, unknown>> => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    };
    if (req.method === 'GET' && url.pathname === '/') {
      return json(200, this.summary());
    }
    if (req.method === 'POST' && url.pathname === '/state') {
      const b = await body();
      const change: Partial<VirtualPrinterState> = {};
      if (b.paper === 'ok' || b.paper === 'near-end' || b.paper === 'out') change.paper = b.paper;
      if (typeof b.coverOpen === 'boolean') change.coverOpen = b.coverOpen;
      if (typeof b.offline === 'boolean') change.offline = b.offline;
      if (typeof b.cutterError === 'boolean') change.cutterError = b.cutterError;
      this.setState(change);
      return json(200, this.summary());
    }
    if (req.method === 'POST' && url.pathname === '/power') {
      const b = await body();
      if (b.on === false) await this.powerOff();
      else await this.powerOn();
      return json(200, this.summary());
    }
    if (req.method === 'GET' && url.pathname === '/jobs') {
      return json(
        200,
        this.jobs.map((j) => ({ n: j.n, complete: j.complete, at: j.at, bytes: j.bytes, text: j.text })),
      );
    }
    const m = /^\/jobs\/(\d+|last)\.(txt|png)$/.exec(url.pathname);
    if (req.method === 'GET' && m !== null) {
      const job = m[1] === 'last' ? this.jobs[this.jobs.length - 1] : this.jobs.find((j) => j.n === Number(m[1]));
      if (job === undefined) return json(404, { error: 'no such job' });
      if (m[2] === 'txt') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(job.text + '\n');
      } else {
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(this.png(job));
      }
      return;
    }
    json(404, { error: 'not found' });
  }

  private summary(): Record<string, unknown> {
    return {
      name: this.name,
      port: this.port,
      powered: this.powered,
      ready: this.ready,
      state: this.state,
      widthMm: this.widthMm,
      jobs: this.jobs.length,
      completeJobs: this.completeJobs().length,
      held: this.held.length,
      bytesReceived: this.bytesReceived,
    };
  }
}
