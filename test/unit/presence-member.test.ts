/**
 * The member a presence subscription joins as (CH-07, CH-08: channel_data, else the signed-in user)
 * and its limits (CH-12), pinned at the exact bound with the exact error and text.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMemberLimits, presenceMember } from '../../src/channels/presence.js';
import { HeraldError } from '../../src/protocol/errors.js';
import { testConnection } from '../helpers/connection.js';
import { testConfig } from '../helpers/server.js';

const app = testConfig().apps[0]!;
const conn = testConnection(app, '1.1');
const CH = 'presence-room';

function refused(fn: () => unknown, kind: string, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeraldError);
    assert.deepEqual([err.kind, err.message, err.channel], [kind, message, CH]);
    return true;
  });
}

test('channel_data: user_id as a non-empty string or a finite number, user_info as given', () => {
  assert.deepEqual(presenceMember(conn, CH, '{"user_id":"u1","user_info":{"name":"Ada"}}', 32), {
    userId: 'u1',
    userInfo: { name: 'Ada' },
  });
  assert.deepEqual(presenceMember(conn, CH, '{"user_id":42}', 32), { userId: '42', userInfo: undefined });
  assert.deepEqual(presenceMember(conn, CH, '{"user_id":-1.5,"user_info":null}', 32), {
    userId: '-1.5',
    userInfo: null,
  });
  assert.deepEqual(presenceMember(conn, CH, '{"user_id":"0"}', 32), { userId: '0', userInfo: undefined });
});

test('channel_data refused: not JSON, too deep, not an object, no usable user_id', () => {
  const notJson = `Invalid channel_data for ${CH}: not JSON`;
  const notObject = `Invalid channel_data for ${CH}: expected an object`;
  const noId = `Invalid channel_data for ${CH}: missing user_id`;
  refused(() => presenceMember(conn, CH, '{"user_id":', 32), 'invalidChannelData', notJson);
  refused(() => presenceMember(conn, CH, '', 32), 'invalidChannelData', notJson);
  refused(
    () => presenceMember(conn, CH, '{"user_id":"u","user_info":{"a":{"b":{}}}}', 3),
    'invalidChannelData',
    `Invalid channel_data for ${CH}: nested deeper than 3 levels`,
  );
  assert.deepEqual(presenceMember(conn, CH, '{"user_id":"u","user_info":{"a":{}}}', 3).userInfo, { a: {} });
  refused(() => presenceMember(conn, CH, 'null', 32), 'invalidChannelData', notObject);
  refused(() => presenceMember(conn, CH, '["u"]', 32), 'invalidChannelData', notObject);
  refused(() => presenceMember(conn, CH, '"u"', 32), 'invalidChannelData', notObject);
  refused(() => presenceMember(conn, CH, '7', 32), 'invalidChannelData', notObject);
  refused(() => presenceMember(conn, CH, '{}', 32), 'invalidChannelData', noId);
  refused(() => presenceMember(conn, CH, '{"user_id":""}', 32), 'invalidChannelData', noId);
  refused(() => presenceMember(conn, CH, '{"user_id":null}', 32), 'invalidChannelData', noId);
  refused(() => presenceMember(conn, CH, '{"user_id":true}', 32), 'invalidChannelData', noId);
  refused(() => presenceMember(conn, CH, '{"user_id":["u"]}', 32), 'invalidChannelData', noId);
  // JSON has no Infinity, but 1e999 parses to it.
  refused(() => presenceMember(conn, CH, '{"user_id":1e999}', 32), 'invalidChannelData', noId);
});

test('no channel_data: the signed-in user, else refused', () => {
  const anonymous = testConnection(app, '1.2');
  refused(
    () => presenceMember(anonymous, CH, undefined, 32),
    'notSignedIn',
    `Presence channel ${CH} needs channel_data in the subscription, or a signed-in connection`,
  );
  const signedIn = testConnection(app, '1.3');
  signedIn.user = { id: 'me', info: { role: 'admin' }, watchlist: [] };
  assert.deepEqual(presenceMember(signedIn, CH, undefined, 32), {
    userId: 'me',
    userInfo: { role: 'admin' },
  });
  assert.deepEqual(presenceMember(signedIn, CH, '{"user_id":"other"}', 32), {
    userId: 'other',
    userInfo: undefined,
  });
});

test('limits: user_id length and user_info bytes, both allowed exactly at the bound', () => {
  const small = {
    ...app,
    limits: { ...app.limits, maxPresenceUserIdLength: 5, maxPresenceUserInfoBytes: 10 },
  };
  checkMemberLimits(small, CH, { userId: '12345', userInfo: undefined });
  refused(
    () => checkMemberLimits(small, CH, { userId: '123456', userInfo: undefined }),
    'presenceUserIdTooLong',
    'Presence user_id longer than 5 characters',
  );
  // '{"a":"é"}' is 9 characters and 10 bytes.
  checkMemberLimits(small, CH, { userId: 'u', userInfo: { a: 'é' } });
  refused(
    () => checkMemberLimits(small, CH, { userId: 'u', userInfo: { a: 'éé' } }),
    'presenceUserTooLarge',
    'Presence user_info is 12 bytes, over the limit of 10',
  );
  checkMemberLimits(small, CH, { userId: 'u', userInfo: null });
  const tiny = { ...app, limits: { ...app.limits, maxPresenceUserInfoBytes: 1 } };
  checkMemberLimits(tiny, CH, { userId: 'u', userInfo: undefined });
  refused(
    () => checkMemberLimits(tiny, CH, { userId: 'u', userInfo: null }),
    'presenceUserTooLarge',
    'Presence user_info is 4 bytes, over the limit of 1',
  );
});
