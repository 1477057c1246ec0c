/** Channel authorization (CH-06, CH-07; `#server-to-user-` in src/users/server-to-user.ts), with the real service's error texts. */

import { verifyAppAuth } from '../apps/secrets.js';
import type { Connection } from '../connections/connection.js';
import type { ChannelKind } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { channelStringToSign } from '../protocol/signatures.js';

export function authorize(
  conn: Connection,
  channel: string,
  kind: ChannelKind,
  auth: string | undefined,
  channelData: string | undefined,
  nowMs: number,
): void {
  if (kind.type === 'public') return;
  const stringToSign = channelStringToSign(conn.socketId, channel, channelData);
  const check = verifyAppAuth(conn.app, auth, stringToSign, nowMs);
  if (check.ok) return;
  switch (check.reason) {
    case 'missing':
      throw new HeraldError('authRequired', `Auth info required to subscribe to ${channel}`, channel);
    case 'key':
      throw new HeraldError(
        'invalidKey',
        `Invalid key in subscription auth data: '${String(auth).split(':')[0]}'`,
        channel,
      );
    case 'signature':
      throw new HeraldError(
        'invalidSignature',
        `Invalid signature: Expected HMAC SHA256 hex digest of ${stringToSign}, but got ${String(auth).slice(String(auth).indexOf(':') + 1)}`,
        channel,
      );
  }
}
