/**
 * test/fixtures/vectors.json is our copy of the spec's vectors, so a clone runs its tests without the
 * spec beside it. When the spec is there, the copy must not have drifted from it.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const copy = new URL('../../../test/fixtures/vectors.json', import.meta.url);
const spec = fileURLToPath(new URL('../../../../shared/spec/vectors.json', import.meta.url));

test('the vectors fixture is a verbatim copy of shared/spec/vectors.json', {
  skip: !existsSync(spec) && 'shared/spec is not beside this clone',
}, () => {
  assert.equal(readFileSync(copy, 'utf8'), readFileSync(spec, 'utf8'));
});
