/**
 * Raw HTTP API requests (node:http, so headers, chunking and socket reuse are under the test's control),
 * signed the way the node SDK signs them, and a raw `ws` subscriber that sees exact frames.
 */
import assert from 'node:assert/strict';
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import WebSocket from 'ws';
import { channelStringToSign, md5Hex, signApiRequest, signAuth } from '../../src/protocol/signatures.js';
import { startHerald, type TestServer } from '../helpers/server.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** True when the request went over a kept-alive socket (http.ClientRequest#reusedSocket). */
  reusedSocket: boolean;
}

export interface SendOptions {
  body?: string | Buffer;
  headers?: Record<string, string | number>;
  agent?: Agent;
  /** Written one by one without Content-Length: a chunked body. */
  chunks?: Buffer[];
  /**
   * Sends `Expect: 100-continue` and writes the chunks only once the server asks for them, so that the
   * body reader is listening and takes each chunk as it comes (else they wait in one buffer).
   */
  continued?: boolean;
  /** Leaves the request open after the chunks: a body that stalls (declare its length in `headers`). */
  stall?: boolean;
}

export interface SignOptions {
  body?: string;
  extra?: Record<string, string>;
  key?: string;
  secret?: string;
  /** Seconds; defaults to the node's (injected) clock. */
  timestamp?: number;
  /** Overrides body_md5: a value, or null to leave it out. */
  md5?: string | null;
  /** Deployment prefix put in front of the path but left out of the signature. */
  prefix?: string;
}

/** A simple valid trigger body. */
/** The server both raw HTTP files drive: a path prefix, a small body cap, a disabled app, a fixed clock. */
export const RAW_PREFIX = '/pusher';
export const RAW_MAX_BODY = 4096;
export function startRawServer(clock: () => number): Promise<TestServer> {
  return startHerald(
    {
      maxHttpBodyBytes: RAW_MAX_BODY,
      pathPrefix: RAW_PREFIX,
      apps: [
        { id: 'app-id', key: 'app-key', secret: 'app-secret' },
        { id: 'off-id', key: 'off-key', secret: 'off-secret', enabled: false },
      ],
    },
    { clock },
  );
}

export const EVENT = '{"name":"e","channels":["raw"],"data":"{}"}';

export function rawClient(server: () => TestServer, nowMs: () => number) {
  function send(method: string, pathAndQuery: string, opts: SendOptions = {}): Promise<Reply> {
    const s = server();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: s.host,
          port: s.port,
          method,
          path: pathAndQuery,
          agent: opts.agent ?? false,
          headers: {
            ...(opts.body !== undefined ? { 'Content-Length': Buffer.byteLength(opts.body) } : {}),
            ...(opts.continued ? { Expect: '100-continue' } : {}),
            ...opts.headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              reusedSocket: req.reusedSocket,
            }),
          );
        },
      );
      req.on('error', reject);
      const { chunks } = opts;
      if (chunks) {
        const write = () => {
          for (const c of chunks) req.write(c);
          if (!opts.stall) req.end();
        };
        if (opts.continued) req.once('continue', write);
        else write();
      } else {
        req.end(opts.body);
      }
    });
  }

  /** Path and signed query for `path`, as the node SDK builds them. */
  function signedPath(method: string, path: string, opts: SignOptions = {}): string {
    const params = new URLSearchParams({
      auth_key: opts.key ?? 'app-key',
      auth_timestamp: String(opts.timestamp ?? Math.floor(nowMs() / 1000)),
      auth_version: '1.0',
    });
    const md5 = opts.md5 === undefined ? (opts.body ? md5Hex(opts.body) : null) : opts.md5;
    if (md5 !== null) params.set('body_md5', md5);
    for (const [k, v] of Object.entries(opts.extra ?? {})) params.set(k, v);
    params.set('auth_signature', signApiRequest(opts.secret ?? 'app-secret', method, path, params));
    return `${opts.prefix ?? ''}${path}?${params}`;
  }

  /** Proof the node still serves: a signed trigger answers 200 {}. */
  async function stillServes(): Promise<void> {
    const r = await send('POST', signedPath('POST', '/apps/app-id/events', { body: EVENT }), { body: EVENT });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{}');
  }

  return { send, signedPath, stillServes };
}

/** The `error` text of a JSON error reply (API-15: the body explains). */
export function errorOf(r: Reply): string {
  assert.match(String(r.headers['content-type']), /^application\/json/);
  const body = JSON.parse(r.text) as { error?: unknown };
  assert.equal(typeof body.error, 'string', `error body: ${r.text}`);
  return body.error as string;
}

export interface RawSubscriber {
  ws: WebSocket;
  /** The next unread frame, as received. */
  next(timeoutMs?: number): Promise<string>;
}

/** A raw WebSocket subscribed to `channel` (signed with the test app's secret when private). */
export async function rawSubscriber(url: string, channel: string): Promise<RawSubscriber> {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d) => {
    frames.push(d.toString());
    wake?.();
  });
  const next = (timeoutMs = 5000) =>
    new Promise<string>((resolve, reject) => {
      const take = () => {
        if (frames.length === 0) return false;
        clearTimeout(timer);
        wake = null;
        resolve(frames.shift()!);
        return true;
      };
      const timer = setTimeout(() => {
        wake = null;
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!take()) wake = take;
    });
  const established = await next();
  assert.match(established, /pusher:connection_established/);
  const socketId = JSON.parse(JSON.parse(established).data).socket_id as string;
  const auth = channel.startsWith('private-')
    ? { auth: signAuth('app-key', 'app-secret', channelStringToSign(socketId, channel)) }
    : {};
  ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { channel, ...auth } }));
  assert.match(await next(), /pusher_internal:subscription_succeeded/);
  return { ws, next };
}
