/** The console's front end: a hash router over the pages, and the live feed they share. */
import { AppsPage } from './apps.js';
import { Channels } from './channels.js';
import { Creator } from './creator.js';
import { h, replace } from './dom.js';
import { EventLog } from './log.js';
import { Overview } from './overview.js';
import { type Info, live } from './state.js';
import { WebhooksPage } from './webhooks.js';

interface Page {
  mount(): void;
  unmount(): void;
}

const PAGES: Record<string, { title: string; make: (root: HTMLElement, info: Info) => Page }> = {
  overview: { title: 'Overview', make: (r, i) => new Overview(r, i) },
  channels: { title: 'Channels', make: (r, i) => new Channels(r, i) },
  log: { title: 'Event log', make: (r, i) => new EventLog(r, i) },
  creator: { title: 'Event creator', make: (r, i) => new Creator(r, i) },
  webhooks: { title: 'Webhooks', make: (r, i) => new WebhooksPage(r, i) },
  apps: { title: 'Apps', make: (r) => new AppsPage(r) },
};

const nav = document.getElementById('nav')!;
const main = document.getElementById('main')!;
const conn = document.getElementById('conn')!;
let current: Page | null = null;

function route(info: Info): void {
  const name = location.hash.replace(/^#\/?/, '') || 'overview';
  const page = PAGES[name] ? name : 'overview';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.dataset['page'] === page);
  current?.unmount();
  main.textContent = '';
  current = PAGES[page]!.make(main, info);
  current.mount();
  document.title = `${PAGES[page]!.title} · Herald Console`;
}

function showStatus(): void {
  conn.className = `conn ${live.connected ? 'live' : 'down'}`;
  conn.textContent = live.connected ? `live · node ${live.info?.node.slice(0, 8) ?? ''}` : 'reconnecting…';
}

async function start(): Promise<void> {
  let info: Info;
  try {
    info = await live.load();
  } catch (err) {
    replace(
      main,
      h('div', { class: 'notice bad' }, `Cannot reach Herald: ${(err as Error).message}. Retrying…`),
    );
    setTimeout(() => void start(), 2000);
    return;
  }
  replace(
    nav,
    ...Object.entries(PAGES).map(([id, p]) => h('a', { href: `#/${id}`, 'data-page': id }, p.title)),
  );
  live.on('status', showStatus);
  live.connect();
  window.addEventListener('hashchange', () => route(info));
  route(info);
}

void start();
