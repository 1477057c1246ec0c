/**
 * Every refusal of the frame parser with its exact kind and message (what a client reads in
 * `pusher:error`), and every server frame encoder's exact text, so a changed branch or string shows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ErrorKindName, HeraldError, isHeraldError } from '../../src/protocol/errors.js';
import {
  clientEventText,
  encodeChannelEvent,
  encodeError,
  encodeMemberAdded,
  encodeMemberRemoved,
  encodeSigninSuccess,
  encodeSubscriptionCount,
  encodeWatchlistEvents,
  PING_FRAME,
  PONG_FRAME,
  parseClientMessage,
} from '../../src/protocol/messages.js';

function refusal(text: string, maxDepth?: number): { kind: ErrorKindName; message: string } {
  try {
    parseClientMessage(text, maxDepth);
  } catch (err) {
    assert.ok(err instanceof HeraldError, String(err));
    return { kind: err.kind, message: err.message };
  }
  assert.fail(`accepted: ${text}`);
}

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('parseClientMessage refusals', () => {
  const cases: [string, ErrorKindName, string, number?][] = [
    ['{not json', 'invalidJson', 'Invalid JSON: the message could not be parsed'],
    [
      `{"event":"pusher:ping","data":${deep(5)}}`,
      'jsonTooDeep',
      'JSON nested too deeply: the limit is 4 levels',
      4,
    ],
    ['[1]', 'invalidMessage', 'Invalid message: expected a JSON object'],
    ['null', 'invalidMessage', 'Invalid message: expected a JSON object'],
    ['"pusher:ping"', 'invalidMessage', 'Invalid message: expected a JSON object'],
    ['{"data":{}}', 'invalidMessage', 'Invalid message: missing event name'],
    ['{"event":""}', 'invalidMessage', 'Invalid message: missing event name'],
    ['{"event":7}', 'invalidMessage', 'Invalid message: missing event name'],
    [
      '{"event":"pusher:subscribe"}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      '{"event":"pusher:subscribe","data":null}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      '{"event":"pusher:subscribe","data":["a"]}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      '{"event":"pusher:subscribe","data":"{x"}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      '{"event":"pusher:subscribe","data":"[1]"}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      '{"event":"pusher:subscribe","data":"7"}',
      'invalidMessage',
      'Invalid data for pusher:subscribe: expected an object',
    ],
    [
      JSON.stringify({ event: 'pusher:subscribe', data: `{"channel":${deep(5)}}` }),
      'jsonTooDeep',
      'JSON nested too deeply: the limit is 4 levels',
      4,
    ],
    ['{"event":"pusher:subscribe","data":{}}', 'invalidChannel', 'Invalid subscribe: missing channel'],
    [
      '{"event":"pusher:subscribe","data":{"channel":""}}',
      'invalidChannel',
      'Invalid subscribe: missing channel',
    ],
    [
      '{"event":"pusher:subscribe","data":{"channel":1}}',
      'invalidChannel',
      'Invalid subscribe: missing channel',
    ],
    [
      '{"event":"pusher:subscribe","data":{"channel":"a","auth":1}}',
      'invalidMessage',
      'Field auth must be a string',
    ],
    [
      '{"event":"pusher:subscribe","data":{"channel":"a","channel_data":{}}}',
      'invalidMessage',
      'Field channel_data must be a string',
    ],
    [
      '{"event":"pusher:unsubscribe","data":7}',
      'invalidMessage',
      'Invalid data for pusher:unsubscribe: expected an object',
    ],
    ['{"event":"pusher:unsubscribe","data":{}}', 'invalidChannel', 'Invalid unsubscribe: missing channel'],
    [
      '{"event":"pusher:unsubscribe","data":{"channel":""}}',
      'invalidChannel',
      'Invalid unsubscribe: missing channel',
    ],
    [
      '{"event":"pusher:unsubscribe","data":{"channel":[]}}',
      'invalidChannel',
      'Invalid unsubscribe: missing channel',
    ],
    [
      '{"event":"pusher:signin","data":1}',
      'invalidMessage',
      'Invalid data for pusher:signin: expected an object',
    ],
    [
      '{"event":"pusher:signin","data":{"auth":"a"}}',
      'signinFailed',
      'Invalid sign-in: auth and user_data must be strings',
    ],
    [
      '{"event":"pusher:signin","data":{"user_data":"u"}}',
      'signinFailed',
      'Invalid sign-in: auth and user_data must be strings',
    ],
    ['{"event":"client-x","data":{}}', 'invalidMessage', 'Invalid client event: missing channel'],
    [
      '{"event":"client-x","channel":"","data":{}}',
      'invalidMessage',
      'Invalid client event: missing channel',
    ],
    ['{"event":"client-x","channel":3,"data":{}}', 'invalidMessage', 'Invalid client event: missing channel'],
    ['{"event":"pusher:nonsense"}', 'invalidMessage', 'Unsupported event: pusher:nonsense'],
    [
      '{"event":"pusher_internal:member_added"}',
      'invalidMessage',
      'Unsupported event: pusher_internal:member_added',
    ],
    [
      '{"event":"my-event"}',
      'invalidEventName',
      'Event my-event is neither a pusher: event nor a client- event',
    ],
    [
      '{"event":"xclient-a","channel":"c"}',
      'invalidEventName',
      'Event xclient-a is neither a pusher: event nor a client- event',
    ],
    [
      '{"event":"xpusher:ping"}',
      'invalidEventName',
      'Event xpusher:ping is neither a pusher: event nor a client- event',
    ],
  ];
  for (const [text, kind, message, maxDepth] of cases) {
    test(text.slice(0, 80), () => {
      assert.deepEqual(refusal(text, maxDepth), { kind, message });
    });
  }

  test('the default depth limit is 64 levels, for the frame and for a control message data string', () => {
    assert.equal(parseClientMessage(`{"event":"pusher:ping","data":${deep(63)}}`).type, 'ping');
    assert.equal(refusal(`{"event":"pusher:ping","data":${deep(64)}}`).kind, 'jsonTooDeep');
    const inData = (n: number) =>
      JSON.stringify({ event: 'pusher:subscribe', data: `{"channel":"a","x":${deep(n)}}` });
    assert.equal(parseClientMessage(inData(63)).type, 'subscribe');
    assert.equal(refusal(inData(64)).kind, 'jsonTooDeep');
  });

  test('null auth and channel_data read as absent; a client event keeps its data as sent', () => {
    assert.deepEqual(
      parseClientMessage(
        '{"event":"pusher:subscribe","data":{"channel":"a","auth":null,"channel_data":null}}',
      ),
      { type: 'subscribe', channel: 'a', auth: undefined, channelData: undefined },
    );
    assert.deepEqual(parseClientMessage('{"event":"client-x","channel":"c"}'), {
      type: 'client-event',
      event: 'client-x',
      channel: 'c',
      data: undefined,
    });
  });

  test('isHeraldError tells a HeraldError from other errors', () => {
    assert.equal(isHeraldError(new HeraldError('internal')), true);
    assert.equal(isHeraldError(new Error('x')), false);
    const e = new HeraldError('overQuota', undefined, 'c');
    assert.deepEqual(
      {
        name: e.name,
        message: e.message,
        code: e.code,
        close: e.close,
        status: e.status,
        channel: e.channel,
      },
      {
        name: 'HeraldError',
        message: 'Application is over connection quota',
        code: 4004,
        close: 4004,
        status: 403,
        channel: 'c',
      },
    );
  });
});

describe('server frame encoders', () => {
  test('channel events, with and without user_id', () => {
    assert.equal(encodeChannelEvent('e', 'c', 'd'), '{"event":"e","channel":"c","data":"d"}');
    assert.equal(
      encodeChannelEvent('e', 'presence-c', '{"a":"\\""}', 'u"1'),
      '{"event":"e","channel":"presence-c","data":"{\\"a\\":\\"\\\\\\"\\"}","user_id":"u\\"1"}',
    );
  });

  test('member_added with and without user_info, member_removed, subscription_count', () => {
    assert.equal(
      encodeMemberAdded('presence-r', '7', { n: 1 }),
      '{"event":"pusher_internal:member_added","channel":"presence-r","data":"{\\"user_id\\":\\"7\\",\\"user_info\\":{\\"n\\":1}}"}',
    );
    assert.equal(
      encodeMemberAdded('presence-r', '7', undefined),
      '{"event":"pusher_internal:member_added","channel":"presence-r","data":"{\\"user_id\\":\\"7\\"}"}',
    );
    assert.equal(
      encodeMemberRemoved('presence-r', '7'),
      '{"event":"pusher_internal:member_removed","channel":"presence-r","data":"{\\"user_id\\":\\"7\\"}"}',
    );
    assert.equal(
      encodeSubscriptionCount('c', 3),
      '{"event":"pusher_internal:subscription_count","channel":"c","data":"{\\"subscription_count\\":3}"}',
    );
  });

  test('pusher:error with a channel, ping and pong, sign-in success, watchlist events', () => {
    assert.equal(
      encodeError(null, 'm', 'private-a'),
      '{"event":"pusher:error","channel":"private-a","data":{"code":null,"message":"m"}}',
    );
    assert.equal(PING_FRAME, '{"event":"pusher:ping","data":{}}');
    assert.equal(PONG_FRAME, '{"event":"pusher:pong","data":{}}');
    assert.equal(
      encodeSigninSuccess('{"id":"1"}'),
      '{"event":"pusher:signin_success","data":{"user_data":"{\\"id\\":\\"1\\"}"}}',
    );
    assert.equal(
      encodeWatchlistEvents([{ name: 'online', user_ids: ['1'] }]),
      '{"event":"pusher_internal:watchlist_events","data":"{\\"events\\":[{\\"name\\":\\"online\\",\\"user_ids\\":[\\"1\\"]}]}"}',
    );
  });

  test('client event data: strings as sent, absent as {}, anything else as its JSON', () => {
    assert.equal(clientEventText('x'), 'x');
    assert.equal(clientEventText(undefined), '{}');
    assert.equal(clientEventText(null), 'null');
    assert.equal(clientEventText([1]), '[1]');
  });
});
