/**
 * test/fixtures/vectors.json is our copy of the spec's vectors, so a clone runs its tests without the
 * spec beside it. The copy is pinned by its digest, which is checked on every run; where the spec is
 * beside the clone (CI lays it there), the copy must also equal it byte for byte. Nothing is skipped.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VECTORS_COPY } from '../helpers/vectors.js';

/** sha256 of shared/spec/vectors.json when it was copied; change both together. */
const SPEC_DIGEST = '7604ea47ef11d34cfbdf3ba8b8799b684996726ada59897f0c67d2d34d62812b';
const spec = fileURLToPath(new URL('../../../../shared/spec/vectors.json', import.meta.url));

test('the vectors copy is the spec version it was taken from', () => {
  const digest = createHash('sha256').update(readFileSync(VECTORS_COPY)).digest('hex');
  assert.equal(digest, SPEC_DIGEST, 'test/fixtures/vectors.json changed: re-copy it from shared/spec');
});

test('where shared/spec is beside the clone, the copy equals it byte for byte', (t) => {
  if (!existsSync(spec)) {
    // Reported, not silently passed: the digest test above still pins the copy.
    t.diagnostic(`shared/spec/vectors.json not found at ${spec}; compared by digest only`);
    return;
  }
  assert.equal(readFileSync(VECTORS_COPY, 'utf8'), readFileSync(spec, 'utf8'));
});
