import assert from 'node:assert/strict';
import { test } from 'node:test';
import { banner } from '../../src/cli/banner.js';
import { loadConfig } from '../../src/config/load.js';

test('the default start prints ready-to-paste snippets with the development credentials and a warning', () => {
  const text = banner(loadConfig({ env: {} }), 6001);
  assert.match(text, /new Pusher\('app-key', \{/);
  assert.match(text, /wsHost: '127\.0\.0\.1', wsPort: 6001, forceTLS: false/);
  assert.match(text, /appId: 'app-id', key: 'app-key', secret: 'app-secret'/);
  assert.match(text, /WARNING: the app uses the public development credentials/);
});

test('a real secret never appears in the banner', () => {
  const config = loadConfig({
    env: { HERALD_APP_ID: 'prod', HERALD_APP_KEY: 'prod-key', HERALD_APP_SECRET: 's3cr3t-value' },
  });
  const text = banner(config, 7000);
  assert.doesNotMatch(text, /s3cr3t-value/);
  assert.match(text, /key: 'prod-key', secret: '<your app secret>'/);
  assert.doesNotMatch(text, /WARNING/);
});
