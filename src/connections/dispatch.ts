/**
 * Routes one inbound text frame to its handler. Messages of one connection are handled in order:
 * while an asynchronous handler (subscribe, sign-in) runs, or while the frame waits for a turn with
 * budget left (src/connections/turn-pacer.ts), later frames wait in the connection's inbox.
 */
import { clientEvent } from '../channels/client-events.js';
import { subscribe, unsubscribe } from '../channels/subscribe.js';
import type { NodeContext } from '../node-context.js';
import { HeraldError } from '../protocol/errors.js';
import { type ClientMessage, PONG_FRAME, parseClientMessage } from '../protocol/messages.js';
import { prepareFrame } from '../transport/ws-frame.js';
import { signin } from '../users/signin.js';
import type { Connection } from './connection.js';
import { turnPacer } from './turn-pacer.js';
import { sendError, toHeraldError } from './wire-errors.js';

const PONG = prepareFrame(PONG_FRAME);
/**
 * Bytes a connection may queue behind a slow handler before further frames are refused. Counted in
 * bytes, not frames: pusher-js resubscribes every channel in one burst after a reconnect, and a
 * dashboard on hundreds of channels must not lose some of them. Each entry also costs its overhead.
 */
const MAX_INBOX_BYTES = 4 * 1024 * 1024;
const ENTRY_OVERHEAD = 64;

/** The kind of the message being handled, read when it fails (the error event names it). */
let handling: ClientMessage['type'] | undefined;

function handle(ctx: NodeContext, conn: Connection, text: string): Promise<void> | undefined {
  handling = undefined;
  if (Buffer.byteLength(text) > ctx.config.maxFrameBytes) {
    throw new HeraldError(
      'frameTooLarge',
      `Message too large: the limit is ${ctx.config.maxFrameBytes} bytes`,
    );
  }
  const msg = parseClientMessage(text, ctx.config.maxJsonDepth);
  handling = msg.type;
  switch (msg.type) {
    case 'ping':
      conn.send(PONG);
      return undefined;
    case 'pong':
      return undefined;
    case 'subscribe':
      return subscribe(ctx, conn, msg.channel, msg.auth, msg.channelData);
    case 'unsubscribe':
      return unsubscribe(ctx, conn, msg.channel);
    case 'signin':
      return signin(ctx, conn, msg.auth, msg.userData);
    case 'client-event':
      clientEvent(ctx, conn, msg.event, msg.channel, msg.data);
      return undefined;
  }
}

function fail(
  ctx: NodeContext,
  conn: Connection,
  err: unknown,
  request: ClientMessage['type'] | undefined,
): void {
  const e = toHeraldError(err);
  if (e.kind === 'internal') {
    ctx.clientLog.error(conn, { err, socketId: conn.socketId }, 'message handler failed');
  }
  if (ctx.events.wants('error')) {
    ctx.events.emit({
      type: 'error',
      appId: conn.app.id,
      socketId: conn.socketId,
      ip: conn.ip,
      code: e.code,
      message: e.message,
      ...(e.channel !== undefined ? { channel: e.channel } : {}),
      ...(request !== undefined ? { request } : {}),
    });
  }
  if (!conn.closed) sendError(conn, e);
}

function run(ctx: NodeContext, conn: Connection, text: string): void {
  let pending: Promise<void> | undefined;
  try {
    pending = handle(ctx, conn, text);
  } catch (err) {
    fail(ctx, conn, err, handling);
    return;
  }
  if (!pending) return;
  const request = handling;
  conn.busy = true;
  pending.then(
    () => resume(ctx, conn),
    (err: unknown) => {
      fail(ctx, conn, err, request);
      resume(ctx, conn);
    },
  );
}

function resume(ctx: NodeContext, conn: Connection): void {
  conn.busy = false;
  while (!conn.busy && conn.inbox && conn.inbox.length > 0 && !conn.closed) {
    const text = conn.inbox.shift()!;
    conn.inboxBytes -= text.length + ENTRY_OVERHEAD;
    run(ctx, conn, text);
  }
  if (conn.inbox && conn.inbox.length === 0) {
    conn.inbox = null;
    conn.inboxBytes = 0;
  }
}

export function onMessage(ctx: NodeContext, conn: Connection, text: string): void {
  if (!conn.busy) {
    // Past the turn's budget (a burst read in one poll phase), the frame waits for a later turn in the
    // inbox: parsing, signature checks and joins then share turns with probes and publishes.
    const turn = turnPacer.admit();
    if (!turn) {
      run(ctx, conn, text);
      return;
    }
    conn.busy = true;
    turn.then(() => resume(ctx, conn));
  }
  conn.inbox ??= [];
  const cost = text.length + ENTRY_OVERHEAD;
  if (conn.inboxBytes + cost > MAX_INBOX_BYTES) {
    fail(ctx, conn, new HeraldError('invalidMessage', 'Too many messages in flight: slow down'), undefined);
    return;
  }
  conn.inbox.push(text);
  conn.inboxBytes += cost;
}
