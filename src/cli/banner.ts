/** What `herald start` prints: where to connect, with ready-to-paste client and SDK snippets. */
import type { HeraldConfig } from '../config/config.js';
import { usesDevCredentials } from '../config/load.js';

/** Where the console listens, with its token only when Herald generated it (a configured one stays private). */
export interface ConsoleBanner {
  url: string;
  generatedToken?: string;
}

/** `notes`: facts about this process shown under the app line (e.g. its file-descriptor limits). */
export function banner(
  config: HeraldConfig,
  port: number,
  console?: ConsoleBanner,
  notes: readonly string[] = [],
): string {
  const app = config.apps[0]!;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const tls = config.ssl !== undefined;
  const dev = usesDevCredentials(config);
  // The development secret is public anyway; a real one never reaches a terminal or a log collector.
  const secret = dev ? app.secret : '<your app secret>';
  const listening = `Herald is listening on ${tls ? 'https' : 'http'}://${config.host}:${port} (WebSocket /app/{key}, HTTP API /apps/{id})`;
  if (config.appStore.driver !== 'file') {
    return [
      listening,
      `Apps from ${config.appStore.driver} table ${config.appStore.table}${config.appStore.schema === 'soketi' ? " (soketi's schema)" : ''}; manage them with herald apps list|add|update|…`,
    ].join('\n');
  }
  const lines = [
    listening,
    `${config.apps.length} app(s); first app: id=${app.id} key=${app.key}`,
    ...notes,
    '',
    'Connect a browser or Node client (pusher-js):',
    `  const pusher = new Pusher('${app.key}', {`,
    `    cluster: 'mt1', wsHost: '${host}', ${tls ? 'wssPort' : 'wsPort'}: ${port}, forceTLS: ${tls},`,
    `    enabledTransports: ['ws', 'wss'],`,
    '  });',
    '',
    'Publish from your server (pusher SDK for Node):',
    `  const pusher = new Pusher({ appId: '${app.id}', key: '${app.key}', secret: '${secret}',`,
    `    host: '${host}', port: '${port}', useTLS: ${tls} });`,
    `  await pusher.trigger('my-channel', 'my-event', { hello: 'world' });`,
  ];
  if (console) lines.push('', consoleLines(console));
  if (dev) {
    lines.push(
      '',
      'WARNING: the app uses the public development credentials (app-id / app-key / app-secret).',
      'Anyone can sign requests with them: set HERALD_APP_ID, HERALD_APP_KEY and HERALD_APP_SECRET or a config file',
      'before exposing this server.',
    );
  }
  return lines.join('\n');
}

export function consoleLines(console: ConsoleBanner): string {
  const lines = [`Console: ${console.url}`];
  if (console.generatedToken) {
    lines.push(
      `  token: ${console.generatedToken}`,
      '  (generated at start, new on every start: set console.token / HERALD_CONSOLE_TOKEN to keep one)',
    );
  } else {
    lines.push('  token: the configured console.token');
  }
  return lines.join('\n');
}
