/**
 * The two baselines: minimal `ws` servers that speak just enough of the Pusher protocol for the load
 * generator (handshake, subscribe, publish, client events, presence joins) and do no other work: no
 * signature checks, no validation, no limits. They bound what Node + ws can do on this machine.
 *
 *  - naive:     one pre-built frame per event, written to every socket with its own write.
 *  - coalesced: the same frame, but all frames for one socket within one event-loop turn leave in one
 *               write (copied into one buffer: measured cheaper than cork/uncork → writev).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { serveIpc } from './ipc.js';

const mode = process.argv[2] === 'coalesced' ? 'coalesced' : 'naive';

interface Client {
  ws: WebSocket;
  raw: Socket;
  id: string;
  pending: Buffer[] | null;
  /** presence channel → user id */
  presence: Map<string, string> | null;
}

const channels = new Map<string, Set<Client>>();
const members = new Map<string, Map<string, number>>();
let nextId = 1;

function frame(text: string): Buffer {
  const payload = Buffer.from(text);
  const len = payload.length;
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + len);
  out[0] = 0x81;
  if (len < 126) out[1] = len;
  else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(0, 2);
    out.writeUInt32BE(len, 6);
  }
  payload.copy(out, header);
  return out;
}

const dirty: Client[] = [];
let scheduled = false;
function flush(): void {
  scheduled = false;
  for (const c of dirty.splice(0)) {
    const p = c.pending!;
    c.pending = null;
    c.raw.write(p.length === 1 ? p[0]! : Buffer.concat(p));
  }
}

function send(c: Client, bytes: Buffer): void {
  if (mode === 'naive') {
    c.raw.write(bytes);
    return;
  }
  if (c.pending) c.pending.push(bytes);
  else {
    c.pending = [bytes];
    dirty.push(c);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
}

function broadcast(channel: string, bytes: Buffer, except: Client | null): void {
  const set = channels.get(channel);
  if (!set) return;
  for (const c of set) if (c !== except) send(c, bytes);
}

function sendText(c: Client, text: string): void {
  send(c, frame(text));
}

function subscribe(c: Client, channel: string, channelData: unknown): void {
  let set = channels.get(channel);
  if (!set) {
    set = new Set();
    channels.set(channel, set);
  }
  set.add(c);
  if (!channel.startsWith('presence-')) {
    sendText(c, `{"event":"pusher_internal:subscription_succeeded","channel":"${channel}","data":"{}"}`);
    return;
  }
  const userId = String((JSON.parse(String(channelData)) as { user_id: unknown }).user_id);
  c.presence ??= new Map();
  c.presence.set(channel, userId);
  let m = members.get(channel);
  if (!m) {
    m = new Map();
    members.set(channel, m);
  }
  const n = m.get(userId) ?? 0;
  m.set(userId, n + 1);
  const ids = [...m.keys()];
  const hash: Record<string, null> = {};
  for (const id of ids) hash[id] = null;
  const data = JSON.stringify({ presence: { ids, hash, count: ids.length } });
  sendText(c, JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data }));
  if (n === 0) {
    const added = JSON.stringify({ user_id: userId });
    broadcast(
      channel,
      frame(JSON.stringify({ event: 'pusher_internal:member_added', channel, data: added })),
      c,
    );
  }
}

function unsubscribe(c: Client, channel: string): void {
  const set = channels.get(channel);
  if (!set?.delete(c)) return;
  if (set.size === 0) channels.delete(channel);
  const userId = c.presence?.get(channel);
  if (userId === undefined) return;
  c.presence!.delete(channel);
  const m = members.get(channel)!;
  const n = (m.get(userId) ?? 1) - 1;
  if (n > 0) {
    m.set(userId, n);
    return;
  }
  m.delete(userId);
  const removed = JSON.stringify({ user_id: userId });
  broadcast(
    channel,
    frame(JSON.stringify({ event: 'pusher_internal:member_removed', channel, data: removed })),
    null,
  );
}

function onMessage(this: WebSocket, data: Buffer): void {
  const c = (this as WebSocket & { c: Client }).c;
  const msg = JSON.parse(data.toString()) as { event: string; channel?: string; data?: unknown };
  const d = (
    typeof msg.data === 'string' && msg.event.startsWith('pusher:') ? JSON.parse(msg.data) : msg.data
  ) as { channel?: string; channel_data?: unknown } | undefined;
  switch (msg.event) {
    case 'pusher:subscribe':
      subscribe(c, d!.channel!, d!.channel_data);
      return;
    case 'pusher:unsubscribe':
      unsubscribe(c, d!.channel!);
      return;
    case 'pusher:ping':
      sendText(c, '{"event":"pusher:pong","data":"{}"}');
      return;
    default:
      if (msg.event.startsWith('client-') && msg.channel) {
        broadcast(
          msg.channel,
          frame(JSON.stringify({ event: msg.event, channel: msg.channel, data: msg.data })),
          c,
        );
      }
  }
}

function onClose(this: WebSocket): void {
  const c = (this as WebSocket & { c: Client }).c;
  for (const [name, set] of channels) if (set.has(c)) unsubscribe(c, name);
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });

function onRequest(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    if (req.method === 'POST' && req.url?.includes('/events')) {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as {
        name: string;
        channel?: string;
        channels?: string[];
        data: string;
      };
      for (const channel of body.channels ?? [body.channel!]) {
        broadcast(channel, frame(JSON.stringify({ event: body.name, channel, data: body.data })), null);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
}

const server = createServer(onRequest);
server.keepAliveTimeout = 65_000;
server.on('upgrade', (req, socket, head) => {
  (socket as Socket).setNoDelay(true);
  wss.handleUpgrade(req, socket, head, (ws) => {
    const raw = (ws as unknown as { _socket: Socket })._socket;
    const c: Client = { ws, raw, id: `${process.pid}.${nextId++}`, pending: null, presence: null };
    (ws as WebSocket & { c: Client }).c = c;
    ws.on('message', onMessage);
    ws.on('close', onClose);
    ws.on('error', () => undefined);
    sendText(
      c,
      JSON.stringify({
        event: 'pusher:connection_established',
        data: JSON.stringify({ socket_id: c.id, activity_timeout: 120 }),
      }),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  serveIpc(() => undefined);
  process.send?.({ type: 'listening', port: typeof addr === 'object' && addr ? addr.port : 0 });
});
