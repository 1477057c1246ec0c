/** The console's live log names the HTTP fallback a client connected over (and says nothing for ws). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toEntry } from '../../src/console/log-entry.js';

test('connection lines name xhr_streaming / xhr_polling, and stay as they were for WebSockets', () => {
  const base = { type: 'connection_opened', appId: 'a', socketId: '1.2', ip: '10.0.0.1' } as const;
  assert.equal(toEntry({ ...base, transport: 'ws' }, 0)?.text, 'connected from 10.0.0.1');
  assert.equal(
    toEntry({ ...base, transport: 'xhr_streaming' }, 0)?.text,
    'connected from 10.0.0.1 over xhr_streaming',
  );
  assert.equal(
    toEntry({ ...base, transport: 'xhr_polling' }, 0)?.text,
    'connected from 10.0.0.1 over xhr_polling',
  );
});
