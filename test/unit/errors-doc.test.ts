import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ErrorKinds } from '../../src/protocol/errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test('docs/errors.md lists every error kind with its code, close code, HTTP status and message', () => {
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `(\w+)` *\|(.*)\|$/.exec(line);
    if (m)
      rows.set(
        m[1]!,
        m[2]!.split('|').map((c) => c.trim()),
      );
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(ErrorKinds).sort());
  for (const [name, k] of Object.entries(ErrorKinds)) {
    const [code, close, status, message] = rows.get(name)!;
    assert.equal(code, String(k.code ?? 'null'), `${name} code`);
    assert.equal(close, k.close === null ? '—' : String(k.close), `${name} close`);
    assert.equal(status, String(k.status), `${name} status`);
    assert.equal(message, k.message, `${name} message`);
  }
});

test('close codes sit in the ranges pusher-js reacts to as intended', () => {
  for (const [name, k] of Object.entries(ErrorKinds)) {
    if (k.close === null) continue;
    assert.ok(k.close >= 4000 && k.close < 4300, `${name} closes with ${k.close}, outside 4000-4299`);
    assert.equal(k.code, k.close, `${name}: the pusher:error code matches the close code`);
  }
  assert.equal(ErrorKinds.tlsRequired.close, 4000, '4000 is reserved for TLS-only refusals');
  const uses4000 = Object.entries(ErrorKinds).filter(([, k]) => k.close === 4000 || k.code === 4000);
  assert.deepEqual(
    uses4000.map(([n]) => n),
    ['tlsRequired'],
  );
});
