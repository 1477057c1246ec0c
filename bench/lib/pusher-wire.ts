/**
 * The Pusher protocol as the load generator speaks it: connection URLs, channel authorization and
 * signed HTTP API requests. Written against the public protocol, not against Herald, so the harness
 * can drive any Pusher-compatible server.
 */
import { createHash, createHmac } from 'node:crypto';

export interface TargetApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
}

export function wsUrl(base: string, key: string): string {
  return `${base.replace(/\/$/, '')}/app/${key}?protocol=7&client=herald-bench&version=1.0&flash=false`;
}

/** `http://host:port` for a `ws://host:port` target (the HTTP API shares the port). */
export function httpBase(base: string): string {
  return base.replace(/^ws/, 'http').replace(/\/$/, '');
}

function hmac(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/** `auth` for a private (or encrypted) channel subscription. */
export function privateAuth(app: TargetApp, socketId: string, channel: string): string {
  return `${app.key}:${hmac(app.secret, `${socketId}:${channel}`)}`;
}

/** `auth` for a presence channel subscription with its `channel_data`. */
export function presenceAuth(app: TargetApp, socketId: string, channel: string, channelData: string): string {
  return `${app.key}:${hmac(app.secret, `${socketId}:${channel}:${channelData}`)}`;
}

/** Path and query of a signed HTTP API request (auth_version 1.0, body_md5). */
export function signedPath(app: TargetApp, method: string, path: string, body: string): string {
  const params: [string, string][] = [
    ['auth_key', app.key],
    ['auth_timestamp', String(Math.floor(Date.now() / 1000))],
    ['auth_version', '1.0'],
    ['body_md5', createHash('md5').update(body).digest('hex')],
  ];
  const query = params.map(([k, v]) => `${k}=${v}`).join('&');
  const signature = hmac(app.secret, `${method}\n${path}\n${query}`);
  return `${path}?${query}&auth_signature=${signature}`;
}

export function subscribeMessage(channel: string, auth?: string, channelData?: string): string {
  const data: Record<string, string> = { channel };
  if (auth !== undefined) data['auth'] = auth;
  if (channelData !== undefined) data['channel_data'] = channelData;
  return JSON.stringify({ event: 'pusher:subscribe', data });
}

export function unsubscribeMessage(channel: string): string {
  return JSON.stringify({ event: 'pusher:unsubscribe', data: { channel } });
}
