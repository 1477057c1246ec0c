/** docs/configuration.md is generated from the schema; this fails while the checked-in copy is stale. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../../scripts/gen-config-docs.js';
import { configSchema } from '../../src/config/schema.js';
import { walkFields } from '../../src/config/schema-dsl.js';

test('docs/configuration.md matches the schema (run `npm run docs:config` after changing it)', () => {
  const current = readFileSync(CONFIG_DOCS_PATH, 'utf8');
  assert.equal(current, renderConfigDocs(), `${CONFIG_DOCS_PATH} is out of date: run npm run docs:config`);
});

test('every env var and flag of the schema appears in the reference', () => {
  const text = renderConfigDocs();
  let checked = 0;
  walkFields(configSchema, '', (_path, field) => {
    if (field.env) {
      assert.ok(text.includes(`\`${field.env}\``), `${field.env} is documented`);
      checked++;
    }
    if (field.flag) assert.ok(text.includes(`\`--${field.flag}\``), `--${field.flag} is documented`);
  });
  assert.ok(checked > 20, `found ${checked} env vars`);
});
