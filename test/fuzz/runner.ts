/**
 * Drives a running Herald with the seeded generators (test/fuzz/generate.ts) and checks what must hold
 * whatever the input: every server frame is a JSON object with an event name, every close code is one
 * the protocol documents, every connection still answers a ping, every HTTP request gets a well-formed
 * answer that is not a 5xx, and a pusher-js bystander receives every event triggered meanwhile.
 */
import { request } from 'node:http';
import WebSocket from 'ws';
import { Bystander } from '../helpers/bystander.js';
import { type FuzzApp, Gen, type HttpInput, httpRequest, type WsInput, wsFrame } from './generate.js';

export interface FuzzTarget {
  host: string;
  port: number;
  app: FuzzApp;
  /** Bodies over this may be cut by a 413 while still being sent. */
  maxHttpBodyBytes: number;
}

export interface FuzzReport {
  seed: number;
  wsFrames: number;
  httpRequests: number;
  closes: Record<string, number>;
  statuses: Record<string, number>;
  bystanderEvents: number;
}

const CONNECTIONS = 4;
const PING_EVERY = 25;
const HTTP_CONCURRENCY = 8;
const ANSWER_MS = 15_000;
/** Close codes a hostile client may earn: bad UTF-8, policy (fragments), too big, Pusher's 4000-4299. */
const CLOSE_OK = (code: number) =>
  code === 1007 || code === 1008 || code === 1009 || (code >= 4000 && code < 4300);
const STATUS_OK = new Set([200, 400, 401, 403, 404, 405, 408, 413, 426, 429, 431]);

export class FuzzFailure extends Error {}

function preview(x: WsInput | HttpInput): string {
  const s = 'binary' in x ? `binary ${x.binary.toString('hex')}` : 'text' in x ? x.text : JSON.stringify(x);
  return s.length > 300 ? `${s.slice(0, 300)}… (${s.length} chars)` : s;
}

class FuzzSocket {
  private ws!: WebSocket;
  socketId = '';
  private pongWaiter: (() => void) | null = null;
  private closedWith: number | null = null;
  private closeWaiter: (() => void) | null = null;
  /** Set when we end the connection ourselves: its close code is ours, not the server's. */
  private ending = false;

  constructor(
    private readonly target: FuzzTarget,
    private readonly fail: (msg: string) => void,
    private readonly closes: Record<string, number>,
  ) {}

  async open(): Promise<void> {
    this.closedWith = null;
    this.ending = false;
    const ws = new WebSocket(
      `ws://${this.target.host}:${this.target.port}/app/${this.target.app.key}?protocol=7`,
    );
    this.ws = ws;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new FuzzFailure('connection not established in time')),
        ANSWER_MS,
      );
      ws.on('message', (d, binary) => {
        const text = d.toString();
        let frame: { event?: unknown; data?: unknown };
        try {
          frame = JSON.parse(text) as typeof frame;
        } catch {
          this.fail(`server sent a frame that is not JSON: ${text.slice(0, 200)}`);
          return;
        }
        if (binary || typeof frame !== 'object' || frame === null || typeof frame.event !== 'string') {
          this.fail(`server sent a malformed frame: ${text.slice(0, 200)}`);
          return;
        }
        if (frame.event === 'pusher:connection_established') {
          this.socketId = (JSON.parse(frame.data as string) as { socket_id: string }).socket_id;
          clearTimeout(timer);
          resolve();
        } else if (frame.event === 'pusher:pong') {
          this.pongWaiter?.();
        } else if (
          frame.event === 'pusher:error' &&
          (frame.data as { message?: unknown } | undefined)?.message === 'Internal server error'
        ) {
          // Bad input has its own error; an internal one means a handler threw on it.
          this.fail(`server answered with an internal error: ${text.slice(0, 200)}`);
        }
      });
      ws.on('close', (code) => {
        this.closedWith = code;
        this.closeWaiter?.();
        this.pongWaiter?.();
        if (this.ending) return;
        this.closes[code] = (this.closes[code] ?? 0) + 1;
        if (!CLOSE_OK(code)) this.fail(`connection closed with ${code}`);
      });
      ws.on('error', () => {
        // the close handler records what happened
      });
    });
  }

  get closed(): boolean {
    return this.closedWith !== null || this.ws.readyState !== WebSocket.OPEN;
  }

  send(input: WsInput): void {
    if (this.closed) return;
    if ('binary' in input) this.ws.send(input.binary, { binary: true });
    else this.ws.send(input.text);
  }

  /** A ping answered by a pong, or the connection closed with an allowed code; reopens when closed. */
  async check(): Promise<void> {
    if (!this.closed) {
      const answered = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FuzzFailure('ping not answered in time')), ANSWER_MS);
        this.pongWaiter = () => {
          clearTimeout(timer);
          this.pongWaiter = null;
          resolve();
        };
      });
      this.ws.send('{"event":"pusher:ping","data":{}}');
      await answered;
    }
    if (this.closed) {
      // The server's close frame may be in but the close not yet complete: wait for it, then reopen.
      if (this.closedWith === null) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new FuzzFailure('close not completed in time')), ANSWER_MS);
          this.closeWaiter = () => {
            clearTimeout(timer);
            this.closeWaiter = null;
            resolve();
          };
        });
      }
      await this.open();
    }
  }

  close(): void {
    this.ending = true;
    this.ws.terminate();
  }
}

function send(target: FuzzTarget, input: HttpInput): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        method: input.method,
        path: input.path,
        agent: false,
        headers: {
          ...input.headers,
          ...(input.body !== undefined ? { 'content-length': Buffer.byteLength(input.body) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(ANSWER_MS, () => req.destroy(new FuzzFailure('no answer in time')));
    req.on('error', reject);
    req.end(input.body);
  });
}

/** One run: `wsFrames` frames over a few connections and `httpRequests` API calls, concurrently. */
export async function runFuzz(
  target: FuzzTarget,
  seed: number,
  counts: { wsFrames: number; httpRequests: number },
): Promise<FuzzReport> {
  const report: FuzzReport = {
    seed,
    wsFrames: counts.wsFrames,
    httpRequests: counts.httpRequests,
    closes: {},
    statuses: {},
    bystanderEvents: 0,
  };
  let failure: string | null = null;
  const fail = (msg: string) => {
    failure ??= msg;
  };
  const bystander = await Bystander.start(target, 'fuzz-bystander');
  bystander.start();
  const sockets = Array.from({ length: CONNECTIONS }, () => new FuzzSocket(target, fail, report.closes));
  try {
    await Promise.all(sockets.map((s) => s.open()));
    const wsGen = new Gen(seed);
    const httpGen = new Gen(seed ^ 0x5bd1e995);

    const ws = (async () => {
      for (let i = 0; i < counts.wsFrames && failure === null; i++) {
        const s = sockets[i % CONNECTIONS]!;
        const input = wsFrame(wsGen, target.app, s.socketId);
        s.send(input);
        if (i % PING_EVERY === PING_EVERY - 1) {
          await s.check().catch((err: Error) => fail(`${err.message} after frame #${i}: ${preview(input)}`));
        }
      }
      await Promise.all(sockets.map((s) => s.check())).catch((err: Error) => fail(err.message));
    })();

    let next = 0;
    const http = Promise.all(
      Array.from({ length: HTTP_CONCURRENCY }, async () => {
        while (next < counts.httpRequests && failure === null) {
          const i = next++;
          const input = httpRequest(httpGen, target.app, Math.floor(Date.now() / 1000));
          try {
            const r = await send(target, input);
            report.statuses[r.status] = (report.statuses[r.status] ?? 0) + 1;
            if (!STATUS_OK.has(r.status))
              fail(`HTTP ${r.status} for request #${i}: ${preview(input)}\n${r.text}`);
            else if (r.type.startsWith('application/json') && input.method !== 'HEAD') JSON.parse(r.text);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            // A body over the limit may be cut by the 413 while it is still being written.
            const oversized = Buffer.byteLength(input.body ?? '') > target.maxHttpBodyBytes;
            if (!(oversized && (code === 'EPIPE' || code === 'ECONNRESET'))) {
              fail(`request #${i} failed (${code ?? (err as Error).message}): ${preview(input)}`);
            }
          }
        }
      }),
    );
    await Promise.all([ws, http]);
    if (failure === null) {
      for (const path of ['/health', '/ready']) {
        const res = await fetch(`http://${target.host}:${target.port}${path}`);
        if (res.status !== 200) fail(`${path} answered ${res.status}`);
      }
      await bystander.stop().catch((err: Error) => fail(`bystander: ${err.message}`));
      report.bystanderEvents = bystander.count;
    }
  } finally {
    for (const s of sockets) s.close();
    bystander.close();
  }
  if (failure !== null)
    throw new FuzzFailure(`fuzz seed ${seed} (replay with FUZZ_SEED=${seed}): ${failure}`);
  return report;
}
