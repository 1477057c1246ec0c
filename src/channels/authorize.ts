/** Channel authorization (CH-06, CH-07, CH-18), with the real service's error texts. */
import type { Connection } from '../connections/connection.js';
import { type ChannelKind, serverToUserId } from '../protocol/channel-names.js';
import { HeraldError } from '../protocol/errors.js';
import { channelStringToSign, verifyAuth } from '../protocol/signatures.js';

export function authorize(
  conn: Connection,
  channel: string,
  kind: ChannelKind,
  auth: string | undefined,
  channelData: string | undefined,
): void {
  if (kind.type === 'public') return;
  if (kind.type === 'server-to-user') {
    const owner = serverToUserId(channel);
    if (!conn.user || conn.user.id !== owner) {
      throw new HeraldError(
        'serverToUserForbidden',
        `Only user ${owner} may subscribe to ${channel}`,
        channel,
      );
    }
    return;
  }
  const stringToSign = channelStringToSign(conn.socketId, channel, channelData);
  const check = verifyAuth(auth, conn.app.key, conn.app.secret, stringToSign);
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
