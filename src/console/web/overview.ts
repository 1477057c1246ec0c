/** Overview: per app, live charts over the last five minutes, per node and in total. */
import uPlot from '/assets/uPlot.esm.js';
import { api, h, num, replace, shortNode } from './dom.js';
import { type AppSample, type Info, live } from './state.js';

interface Totals {
  apps: Record<string, { channels: number; members: number }>;
}

const COLORS = ['#2f6fdf', '#1f8a4c', '#b8720b', '#8a3fd1', '#c9342d', '#0f8b8d'];
const WINDOW_S = 300;
const MIN_WINDOW_S = 60;

interface Chart {
  plot: uPlot;
  /** Series labels it was built with: a new node means a new chart. */
  labels: string;
}

type Field = keyof AppSample;

/** Per-second buckets of the last five minutes, with each node's value of `field` (null when missing). */
function series(nodes: string[], appId: string, field: Field): { xs: number[]; ys: (number | null)[][] } {
  const now = Math.floor(Date.now() / 1000);
  // A console opened a moment ago shows the moment, widening to five minutes as samples come.
  let first = now;
  for (const node of nodes)
    first = Math.min(first, Math.floor((live.samples.get(node)?.[0]?.t ?? now * 1000) / 1000));
  const xs: number[] = [];
  for (let t = Math.max(now - WINDOW_S, first - MIN_WINDOW_S); t <= now; t++) xs.push(t);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = nodes.map((node) => {
    const col: (number | null)[] = xs.map(() => null);
    for (const s of live.samples.get(node) ?? []) {
      const i = index.get(Math.floor(s.t / 1000));
      const v = s.apps[appId]?.[field];
      if (i !== undefined && v !== undefined) col[i] = v;
    }
    return col;
  });
  return { xs, ys };
}

function total(ys: (number | null)[][]): (number | null)[] {
  if (ys.length === 0) return [];
  return ys[0]!.map((_, i) => {
    let sum: number | null = null;
    for (const col of ys) if (col[i] !== null) sum = (sum ?? 0) + col[i]!;
    return sum;
  });
}

export class Overview {
  private readonly charts = new Map<string, Chart>();
  private totals: Totals | null = null;
  private readonly offs: (() => void)[] = [];
  private timer = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly info: Info,
  ) {}

  mount(): void {
    this.layout();
    this.offs.push(live.on('stats', () => this.draw()));
    const poll = () => {
      api<Totals>('/api/totals').then(
        (t) => {
          this.totals = t;
          this.draw();
        },
        () => undefined,
      );
    };
    poll();
    this.timer = setInterval(poll, 5000);
    this.draw();
  }

  unmount(): void {
    for (const off of this.offs) off();
    clearInterval(this.timer);
    for (const c of this.charts.values()) c.plot.destroy();
    this.charts.clear();
  }

  private layout(): void {
    replace(
      this.root,
      h('h1', {}, 'Overview'),
      h(
        'p',
        { class: 'muted' },
        this.info.cluster
          ? 'Every node sharing this Redis, per node and in total, over the last five minutes. Figures are collected only while a console is open.'
          : 'This node over the last five minutes. Figures are collected only while a console is open.',
      ),
      ...this.info.apps.map((app) =>
        h(
          'section',
          { class: 'panel', id: `app-${app.id}` },
          h(
            'h2',
            {},
            `App ${app.id} `,
            h('span', { class: 'muted mono' }, `key ${app.key}`),
            app.enabled ? null : h('span', { class: 'badge bad' }, 'disabled'),
          ),
          h('div', { class: 'stats', 'data-stats': app.id }),
          h(
            'div',
            { class: 'grid' },
            ...(['connections', 'messages', 'webhooks'] as const).map((k) =>
              h(
                'div',
                { class: 'chart', 'data-chart': `${app.id}:${k}` },
                h('div', { class: 'title' }, chartTitle(k)),
              ),
            ),
          ),
          h('div', { 'data-nodes': app.id }),
        ),
      ),
    );
  }

  private draw(): void {
    const nodes = [...live.samples.keys()].sort();
    for (const app of this.info.apps) this.drawApp(app.id, nodes);
  }

  private drawApp(appId: string, nodes: string[]): void {
    const stats = this.root.querySelector(`[data-stats="${CSS.escape(appId)}"]`);
    const last = nodes
      .map((n) => live.samples.get(n)?.at(-1)?.apps[appId])
      .filter((s): s is AppSample => !!s);
    const sum = (f: Field) => last.reduce((a, s) => a + s[f], 0);
    const t = this.totals?.apps[appId];
    if (stats) {
      replace(
        stats,
        stat(num(sum('connections')), 'connections'),
        stat(t ? num(t.channels) : '…', 'channels'),
        stat(t ? num(t.members) : '…', 'presence members'),
        stat(num(sum('msgIn')), 'messages in /s'),
        stat(num(sum('msgOut')), 'messages out /s'),
        stat(num(sum('webhookOk')), 'webhooks ok /s'),
        stat(num(sum('webhookFail')), 'webhooks failed /s', sum('webhookFail') > 0 ? 'error' : undefined),
      );
    }
    if (nodes.length === 0) return;
    const multi = nodes.length > 1;
    const conn = series(nodes, appId, 'connections');
    this.plot(
      `${appId}:connections`,
      multi ? [...nodes.map((n) => `node ${shortNode(n)}`), 'total'] : ['connections'],
      conn.xs,
      multi ? [...conn.ys, total(conn.ys)] : conn.ys,
    );
    const mi = series(nodes, appId, 'msgIn');
    const mo = series(nodes, appId, 'msgOut');
    this.plot(`${appId}:messages`, ['in /s', 'out /s'], mi.xs, [total(mi.ys), total(mo.ys)]);
    const ok = series(nodes, appId, 'webhookOk');
    const fail = series(nodes, appId, 'webhookFail');
    this.plot(
      `${appId}:webhooks`,
      ['ok /s', 'failed /s'],
      ok.xs,
      [total(ok.ys), total(fail.ys)],
      ['#1f8a4c', '#c9342d'],
    );
    const table = this.root.querySelector(`[data-nodes="${CSS.escape(appId)}"]`);
    if (table && multi) replace(table, this.nodeTable(appId, nodes));
  }

  private nodeTable(appId: string, nodes: string[]): HTMLElement {
    const row = (label: string, s: AppSample | undefined, cls?: string) =>
      h(
        'tr',
        cls ? { class: cls } : {},
        h('td', { class: 'mono' }, label),
        ...(['connections', 'channels', 'msgIn', 'msgOut', 'webhookOk', 'webhookFail'] as const).map((f) =>
          h('td', { class: 'num' }, s ? num(s[f]) : '–'),
        ),
      );
    const lasts = nodes.map((n) => live.samples.get(n)?.at(-1)?.apps[appId]);
    const sum = {} as AppSample;
    for (const f of ['connections', 'channels', 'msgIn', 'msgOut', 'webhookOk', 'webhookFail'] as const)
      sum[f] = lasts.reduce((a, s) => a + (s?.[f] ?? 0), 0);
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'node'),
          ...['connections', 'channels here', 'in /s', 'out /s', 'webhooks ok', 'failed'].map((x) =>
            h('th', { class: 'num' }, x),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...nodes.map((n, i) => row(`${shortNode(n)}${n === this.info.node ? ' (this node)' : ''}`, lasts[i])),
        row('total', sum, 'total'),
      ),
    );
  }

  private plot(id: string, labels: string[], xs: number[], ys: (number | null)[][], colors = COLORS): void {
    const el = this.root.querySelector<HTMLElement>(`[data-chart="${CSS.escape(id)}"]`);
    if (!el) return;
    const data = [xs, ...ys] as uPlot.AlignedData;
    const key = labels.join('|');
    const existing = this.charts.get(id);
    if (existing && existing.labels === key) {
      existing.plot.setData(data);
      return;
    }
    existing?.plot.destroy();
    const width = Math.max(280, el.clientWidth || 330);
    const plot = new uPlot(
      {
        width,
        height: 150,
        series: [
          {},
          ...labels.map((label, i) => ({
            label,
            stroke: label === 'total' ? '#1d2329' : colors[i % colors.length]!,
            width: label === 'total' ? 2 : 1.5,
            spanGaps: false,
          })),
        ],
        axes: [{ space: 60 }, { size: 50 }],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
        legend: { live: false },
        cursor: { show: true },
      },
      data,
      el,
    );
    this.charts.set(id, { plot, labels: key });
  }
}

function chartTitle(k: 'connections' | 'messages' | 'webhooks'): string {
  return k === 'connections'
    ? 'Connections'
    : k === 'messages'
      ? 'Messages per second'
      : 'Webhook requests per second';
}

function stat(value: string, label: string, cls?: string): HTMLElement {
  return h('div', { class: 'stat' }, h('b', cls ? { class: cls } : {}, value), h('span', {}, label));
}
