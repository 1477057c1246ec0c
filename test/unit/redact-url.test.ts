/** redactUrl: credentials and secret-looking parameters go, everything else stays as written. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../../src/logging/redact-url.js';

const CASES: [string, string][] = [
  ['https://hooks.example.com/in', 'https://hooks.example.com/in'],
  ['https://user:p%40ss@hooks.example.com/in', 'https://***@hooks.example.com/in'],
  ['https://tokenonly@hooks.example.com/in', 'https://***@hooks.example.com/in'],
  ['http://a:b@c@host:81/x?y=1', 'http://***@host:81/x?y=1'],
  ['https://h/in?token=abc&keep=1', 'https://h/in?token=***&keep=1'],
  [
    'https://h/in?api_key=1&Secret=2&auth_signature=3&sig=4',
    'https://h/in?api_key=***&Secret=***&auth_signature=***&sig=***',
  ],
  ['https://h/in?access%5Ftoken=x', 'https://h/in?access%5Ftoken=***'],
  ['https://h/in?password=x&pwd=y&session=z', 'https://h/in?password=***&pwd=***&session=***'],
  ['https://h/in#access_token=x&state=1', 'https://h/in#access_token=***&state=1'],
  ['https://h/in?token', 'https://h/in?token'],
  ['redis://:hunter2@127.0.0.1:6379/0', 'redis://***@127.0.0.1:6379/0'],
  ['redis-sentinel://u:pw@h1:26379,h2:26379/mymaster', 'redis-sentinel://***@h1:26379,h2:26379/mymaster'],
  ['not a url', 'not a url'],
  ['', ''],
];

test('credentials and secret parameters are masked, the rest kept', () => {
  for (const [input, expected] of CASES) assert.equal(redactUrl(input), expected, input);
});

test('an @ in the path or query is not taken for credentials', () => {
  assert.equal(redactUrl('https://h/users/a@b.c?to=x@y'), 'https://h/users/a@b.c?to=x@y');
});
