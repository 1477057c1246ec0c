/**
 * A raw client of pusher-js's HTTP transports, for tests that must misbehave (stop reading, stop
 * polling, post garbage): streams through node:http so a test can pause it, polls and sends with fetch.
 */

import { randomBytes } from 'node:crypto';
import { type ClientRequest, type IncomingMessage, request } from 'node:http';

export interface PusherFrame {
  event: string;
  channel?: string;
  data?: unknown;
}

let counter = 0;

/** A fresh `{server}/{session}` pair shaped as pusher-js makes them. */
export function sessionId(): string {
  counter++;
  return `${counter % 1000}/${randomBytes(5).toString('hex').slice(0, 8)}`;
}

export function sessionUrl(
  port: number,
  id: string,
  kind: string,
  key = 'app-key',
  path = '/pusher',
): string {
  return `http://127.0.0.1:${port}${path}/app/${key}/${id}/${kind}?protocol=7&client=js&version=8.6.0`;
}

/** The Pusher frames carried by `a[…]` lines. */
export function framesOf(lines: readonly string[]): PusherFrame[] {
  const out: PusherFrame[] = [];
  for (const line of lines) {
    if (!line.startsWith('a')) continue;
    for (const text of JSON.parse(line.slice(1)) as string[]) out.push(JSON.parse(text) as PusherFrame);
  }
  return out;
}

/** Posts messages to the session's xhr_send; resolves with the status. */
export async function sendMessages(port: number, id: string, messages: unknown[]): Promise<number> {
  const res = await fetch(sessionUrl(port, id, 'xhr_send'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(messages.map((m) => JSON.stringify(m))),
  });
  await res.arrayBuffer();
  return res.status;
}

/** One long poll: the lines of its answer. */
export async function poll(port: number, id: string): Promise<{ status: number; lines: string[] }> {
  const res = await fetch(sessionUrl(port, id, 'xhr'), { method: 'POST' });
  const text = await res.text();
  return { status: res.status, lines: text.split('\n').filter(Boolean) };
}

/** An open xhr_streaming response, read line by line. */
export class Stream {
  readonly lines: string[] = [];
  response: IncomingMessage | null = null;
  status = 0;
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(
    readonly req: ClientRequest,
    readonly id: string,
  ) {}

  static open(port: number, id = sessionId(), key = 'app-key'): Promise<Stream> {
    return new Promise((resolve, reject) => {
      const req = request(sessionUrl(port, id, 'xhr_streaming', key), { method: 'POST', agent: false });
      const s = new Stream(req, id);
      req.on('response', (res: IncomingMessage) => {
        s.response = res;
        s.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => s.onData(chunk));
        res.on('end', () => {
          s.ended = true;
          s.wake();
        });
        res.on('error', () => {
          s.ended = true;
          s.wake();
        });
        resolve(s);
      });
      req.on('error', reject);
      req.end();
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let i = this.buffer.indexOf('\n');
    while (i >= 0) {
      this.lines.push(this.buffer.slice(0, i));
      this.buffer = this.buffer.slice(i + 1);
      i = this.buffer.indexOf('\n');
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get frames(): PusherFrame[] {
    return framesOf(this.lines);
  }

  /** Waits until `check` holds over what arrived so far. */
  async until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.ended) throw new Error(`stream ended before ${what}; lines: ${this.lines.join(' | ')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; lines: ${this.lines.join(' | ')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The first frame of `event` (waiting for it). */
  async frame(event: string, timeoutMs = 10_000): Promise<PusherFrame> {
    await this.until(event, () => this.frames.some((f) => f.event === event), timeoutMs);
    return this.frames.find((f) => f.event === event)!;
  }

  /** The socket id from pusher:connection_established. */
  async socketId(timeoutMs?: number): Promise<string> {
    const f = await this.frame('pusher:connection_established', timeoutMs);
    return (JSON.parse(f.data as string) as { socket_id: string }).socket_id;
  }

  /** Stops reading: the server's writes pile up in its buffers (a frozen tab). */
  freeze(): void {
    this.response?.pause();
  }

  close(): void {
    this.req.destroy();
  }
}
