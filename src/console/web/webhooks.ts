/** Webhooks: per target its last attempts, the retries waiting, the dead letters and their replay. */
import { ago, api, h, num, replace, time } from './dom.js';
import type { Info } from './state.js';

/** Attempts shown per target until "show all". */
const SHOWN = 10;

interface Attempt {
  t: number;
  batchId: string;
  attempt: number;
  status?: number;
  latencyMs: number;
  excerpt: string;
  outcome: 'sent' | 'failed';
  events: number;
}
interface Target {
  app: string;
  key: string;
  url: string;
  events: string[];
  attempts: Attempt[];
}
interface Retrying {
  id: string;
  app: string;
  target: string;
  url: string;
  events: number;
  attempts: number;
  lastError: string | null;
  dueAt: number;
}
interface Dead {
  id: string;
  app: string;
  target: string;
  url: string;
  events: number;
  attempts: number;
  reason: string;
  deadAt: number;
}
interface Overview {
  targets: Target[];
  durable: boolean;
  retrying: Retrying[];
  dead: Dead[];
  watchingSince: number;
}

export class WebhooksPage {
  private timer = 0;
  private readonly body = h('div');
  private readonly message = h('div', { role: 'status' });
  private restamp = false;
  private readonly expanded = new Set<string>();

  constructor(
    private readonly root: HTMLElement,
    private readonly info: Info,
  ) {}

  mount(): void {
    replace(this.root, h('h1', {}, 'Webhooks'), this.message, this.body);
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), 2000);
  }

  unmount(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    let o: Overview;
    try {
      o = await api<Overview>('/api/webhooks');
    } catch (err) {
      replace(
        this.body,
        h('p', { class: 'error' }, `Cannot read the webhook queue: ${(err as Error).message}`),
      );
      return;
    }
    if (o.targets.length === 0) {
      replace(
        this.body,
        h(
          'div',
          { class: 'panel empty' },
          'No app has a webhook target. Add one under apps[].webhooks in the configuration (see docs/webhooks.md).',
        ),
      );
      return;
    }
    replace(
      this.body,
      o.durable
        ? null
        : h(
            'div',
            { class: 'notice' },
            'The webhook queue is in this node’s memory: retries and dead letters are lost when it stops. Set HERALD_REDIS_URL to keep them.',
          ),
      ...o.targets.map((t) => this.target(t, o)),
      this.deadLetters(o.dead),
    );
  }

  private target(t: Target, o: Overview): HTMLElement {
    const retrying = o.retrying.filter((r) => r.target === t.key);
    const last = t.attempts[0];
    return h(
      'section',
      { class: 'panel', 'data-target': t.url },
      h(
        'h2',
        {},
        h('span', { class: 'mono' }, t.url),
        ' ',
        last
          ? h(
              'span',
              { class: last.outcome === 'sent' ? 'badge ok' : 'badge bad' },
              last.outcome === 'sent' ? 'last attempt ok' : 'last attempt failed',
            )
          : null,
      ),
      h('p', { class: 'muted' }, `app ${t.app} · ${t.events.join(', ')}`),
      h('h3', {}, 'Recent attempts'),
      t.attempts.length === 0
        ? h('p', { class: 'muted' }, `None since this console started watching at ${time(o.watchingSince)}.`)
        : h(
            'table',
            { class: 'attempts' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['time', 'batch', 'try', 'outcome', 'latency', 'answer'].map((x) => h('th', {}, x)),
              ),
            ),
            h(
              'tbody',
              {},
              ...t.attempts
                .slice(0, this.expanded.has(t.key) ? undefined : SHOWN)
                .map((a) =>
                  h(
                    'tr',
                    { 'data-outcome': a.outcome },
                    h('td', {}, time(a.t)),
                    h('td', { class: 'mono' }, a.batchId.slice(0, 8)),
                    h('td', { class: 'num' }, a.attempt),
                    h(
                      'td',
                      {},
                      h(
                        'span',
                        { class: a.outcome === 'sent' ? 'badge ok' : 'badge bad' },
                        a.status !== undefined ? `HTTP ${a.status}` : 'no answer',
                      ),
                    ),
                    h('td', { class: 'num' }, `${a.latencyMs} ms`),
                    h('td', { class: 'mono' }, a.excerpt),
                  ),
                ),
            ),
          ),
      t.attempts.length > SHOWN
        ? h(
            'button',
            {
              class: 'link more',
              onclick: () => {
                if (this.expanded.has(t.key)) this.expanded.delete(t.key);
                else this.expanded.add(t.key);
                void this.refresh();
              },
            },
            this.expanded.has(t.key) ? 'Show fewer' : `Show all ${t.attempts.length} kept`,
          )
        : null,
      h('h3', {}, `Retries waiting (${retrying.length})`),
      retrying.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['batch', 'events', 'attempts', 'last error', 'next try'].map((x) => h('th', {}, x)),
              ),
            ),
            h(
              'tbody',
              {},
              ...retrying.map((r) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'mono' }, r.id.slice(0, 8)),
                  h('td', { class: 'num' }, r.events),
                  h('td', { class: 'num' }, r.attempts),
                  h('td', { class: 'mono' }, r.lastError ?? ''),
                  h('td', {}, r.dueAt <= Date.now() ? 'now' : `at ${time(r.dueAt)}`),
                ),
              ),
            ),
          ),
    );
  }

  private deadLetters(dead: Dead[]): HTMLElement {
    const restamp = h('input', {
      type: 'checkbox',
      checked: this.restamp,
      onchange: () => (this.restamp = restamp.checked),
    });
    return h(
      'section',
      { class: 'panel', id: 'dead-letters' },
      h('h2', {}, `Dead letters (${num(dead.length)})`),
      dead.length === 0
        ? h('p', { class: 'muted' }, 'None: every batch was delivered or is still being retried.')
        : h(
            'div',
            {},
            h(
              'div',
              { class: 'toolbar' },
              h('button', { class: 'secondary', onclick: () => void this.replay('all') }, 'Replay all'),
              h(
                'label',
                { title: 'Set time_ms to now, for receivers that reject old webhooks' },
                restamp,
                ' restamp time_ms',
              ),
            ),
            h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['batch', 'app', 'url', 'events', 'attempts', 'dead since', 'reason', ''].map((x) =>
                    h('th', {}, x),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                ...dead.map((d) =>
                  h(
                    'tr',
                    { 'data-dead': d.id },
                    h('td', { class: 'mono' }, d.id.slice(0, 8)),
                    h('td', {}, d.app),
                    h('td', { class: 'mono' }, d.url),
                    h('td', { class: 'num' }, d.events),
                    h('td', { class: 'num' }, d.attempts),
                    h('td', { title: new Date(d.deadAt).toISOString() }, ago(d.deadAt)),
                    h('td', { class: 'mono' }, d.reason),
                    h(
                      'td',
                      {},
                      h('button', { class: 'secondary', onclick: () => void this.replay([d.id]) }, 'Replay'),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  private async replay(ids: string[] | 'all'): Promise<void> {
    try {
      const r = await api<{ replayed: number; missing: number }>('/api/webhooks/replay', {
        ids,
        restamp: this.restamp,
      });
      replace(
        this.message,
        h(
          'div',
          { class: 'notice' },
          `Re-queued ${r.replayed} batch${r.replayed === 1 ? '' : 'es'}.${r.missing > 0 ? ` ${r.missing} no longer dead-lettered.` : ''}`,
        ),
      );
    } catch (err) {
      replace(this.message, h('div', { class: 'notice bad' }, `Replay failed: ${(err as Error).message}`));
    }
    await this.refresh();
  }
}
