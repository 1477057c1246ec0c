/** Presence identity (CH-07, CH-08) and limits (CH-12). */
import type { PresenceMember } from '../adapters/adapter.js';
import type { AppConfig } from '../config/config.js';
import type { Connection } from '../connections/connection.js';
import { HeraldError } from '../protocol/errors.js';
import { parseJson } from '../protocol/json-depth.js';

/** The member a presence subscription joins as: from channel_data, else from the signed-in user. */
export function presenceMember(
  conn: Connection,
  channel: string,
  channelData: string | undefined,
  maxDepth: number,
): PresenceMember {
  if (channelData === undefined) {
    if (!conn.user) {
      throw new HeraldError(
        'notSignedIn',
        `Presence channel ${channel} needs channel_data in the subscription, or a signed-in connection`,
        channel,
      );
    }
    return { userId: conn.user.id, userInfo: conn.user.info };
  }
  const result = parseJson(channelData, maxDepth);
  if (!result.ok) {
    throw new HeraldError(
      'invalidChannelData',
      result.reason === 'depth'
        ? `Invalid channel_data for ${channel}: nested deeper than ${maxDepth} levels`
        : `Invalid channel_data for ${channel}: not JSON`,
      channel,
    );
  }
  const parsed = result.value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HeraldError(
      'invalidChannelData',
      `Invalid channel_data for ${channel}: expected an object`,
      channel,
    );
  }
  const data = parsed as Record<string, unknown>;
  const raw = data['user_id'];
  let userId: string;
  if (typeof raw === 'string' && raw.length > 0) userId = raw;
  else if (typeof raw === 'number' && Number.isFinite(raw)) userId = String(raw);
  else
    throw new HeraldError(
      'invalidChannelData',
      `Invalid channel_data for ${channel}: missing user_id`,
      channel,
    );
  return { userId, userInfo: data['user_info'] };
}

export function checkMemberLimits(app: AppConfig, channel: string, member: PresenceMember): void {
  const limits = app.limits;
  if (member.userId.length > limits.maxPresenceUserIdLength) {
    throw new HeraldError(
      'presenceUserIdTooLong',
      `Presence user_id longer than ${limits.maxPresenceUserIdLength} characters`,
      channel,
    );
  }
  if (member.userInfo !== undefined) {
    const size = Buffer.byteLength(JSON.stringify(member.userInfo));
    if (size > limits.maxPresenceUserInfoBytes) {
      throw new HeraldError(
        'presenceUserTooLarge',
        `Presence user_info is ${size} bytes, over the limit of ${limits.maxPresenceUserInfoBytes}`,
        channel,
      );
    }
  }
}
