/**
 * `pusher-js/with-encryption` in Node. That entry point is pusher-js's *web* build (the one browser apps
 * import for encrypted channels); it only needs a few browser globals to load, which are provided here
 * before requiring it. The WebSocket it uses is `ws`, a standards-conforming client.
 */
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import type { PusherJs } from './pusher-js.js';

const g = globalThis as Record<string, unknown>;
g['self'] ??= globalThis;
g['window'] ??= globalThis;
g['WebSocket'] ??= WebSocket;
g['document'] ??= { body: {}, location: { protocol: 'http:' } };

const require = createRequire(import.meta.url);
export const PusherJsWithEncryption = require('pusher-js/with-encryption') as new (
  key: string,
  options: Record<string, unknown>,
) => PusherJs;
