/** Event log: the live feed's entries, newest first, with filters, pause and resume. */
import { appSelect, h, replace, timeMs } from './dom.js';
import { type Info, type LogEntry, live } from './state.js';

/** Rows drawn at most; older entries stay in the buffer until it rolls over. */
const ROWS = 500;

export class EventLog {
  private paused = false;
  /** `live.received` when the log was paused. */
  private pausedAt = 0;
  /** The log as it was when paused: what the table keeps showing. */
  private frozen: LogEntry[] = [];
  private readonly offs: (() => void)[] = [];
  private readonly body = h('tbody');
  private readonly count = h('span', { class: 'muted' });
  private readonly pauseButton = h(
    'button',
    { type: 'button', class: 'secondary', onclick: () => this.togglePause() },
    'Pause',
  );
  private pending = false;

  constructor(
    private readonly root: HTMLElement,
    private readonly info: Info,
  ) {}

  mount(): void {
    const f = live.filter;
    const channel = h('input', {
      type: 'search',
      placeholder: 'channel prefix',
      value: f.channel,
      'aria-label': 'Channel prefix',
    });
    const socket = h('input', {
      type: 'search',
      placeholder: 'socket id',
      value: f.socket,
      size: 14,
      'aria-label': 'Socket id',
    });
    const user = h('input', {
      type: 'search',
      placeholder: 'user id',
      value: f.user,
      size: 12,
      'aria-label': 'User id',
    });
    let app = f.app;
    const kinds = new Set(f.kinds);
    const chips = h(
      'div',
      { class: 'toolbar kinds' },
      ...this.info.kinds.map((k) => {
        const box = h('input', {
          type: 'checkbox',
          checked: kinds.has(k),
          onchange: () => (box.checked ? kinds.add(k) : kinds.delete(k)),
        });
        return h('label', { class: 'chip' }, box, ` ${k.replace('_', ' ')}`);
      }),
    );
    const form = h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          live.setFilter({
            app,
            channel: channel.value.trim(),
            kinds: [...kinds],
            socket: socket.value.trim(),
            user: user.value.trim(),
          });
        },
      },
      appSelect(this.info.apps, app, (id) => (app = id), true),
      channel,
      socket,
      user,
      h('button', {}, 'Apply filter'),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            live.setFilter({ app: '', channel: '', kinds: [], socket: '', user: '' });
            this.unmount();
            this.mount();
          },
        },
        'Clear filter',
      ),
      h('span', { class: 'grow' }),
      this.pauseButton,
      h('button', { type: 'button', class: 'secondary', onclick: () => this.clear() }, 'Clear log'),
    );
    replace(
      this.root,
      h('h1', {}, 'Event log'),
      h(
        'div',
        { class: 'panel' },
        form,
        h(
          'details',
          {},
          h(
            'summary',
            { class: 'muted' },
            f.kinds.length ? `kinds: ${f.kinds.join(', ')}` : 'all kinds (choose…)',
          ),
          chips,
        ),
        this.count,
      ),
      h(
        'div',
        { class: 'panel scroll' },
        h(
          'table',
          { class: 'log' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'time'),
              h('th', {}, 'kind'),
              h('th', {}, 'app'),
              h('th', {}, 'channel'),
              h('th', {}, 'socket'),
              h('th', {}, 'details'),
            ),
          ),
          this.body,
        ),
      ),
    );
    this.offs.push(live.on('log', () => this.schedule()));
    this.draw();
  }

  unmount(): void {
    for (const off of this.offs) off();
    this.offs.length = 0;
  }

  private togglePause(): void {
    this.paused = !this.paused;
    if (this.paused) {
      this.frozen = live.log.slice(-ROWS);
      this.pausedAt = live.received;
    }
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
    this.draw();
  }

  private clear(): void {
    live.log = [];
    live.dropped = 0;
    this.frozen = [];
    this.draw();
  }

  /** At most one redraw per animation frame, however many batches arrive. */
  private schedule(): void {
    if (this.paused) {
      this.drawCount();
      return;
    }
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private drawCount(): void {
    const shown = this.paused ? this.frozen.length : Math.min(ROWS, live.log.length);
    const held = live.received - this.pausedAt;
    replace(
      this.count,
      this.paused
        ? h(
            'span',
            { class: 'warn' },
            `Paused: ${held} new ${held === 1 ? 'entry' : 'entries'} held, not shown. `,
          )
        : null,
      `${shown} ${shown === 1 ? 'entry' : 'entries'} shown`,
      live.dropped > 0
        ? h('span', { class: 'warn' }, `; ${live.dropped} dropped in bursts (filter to see them all)`)
        : null,
    );
  }

  private draw(): void {
    this.drawCount();
    const entries = this.paused ? this.frozen : live.log.slice(-ROWS);
    if (entries.length === 0) {
      replace(
        this.body,
        h(
          'tr',
          {},
          h(
            'td',
            { colspan: 6, class: 'empty' },
            live.connected
              ? 'Nothing yet: entries appear here as clients connect, subscribe and publish.'
              : 'Connecting to the feed…',
          ),
        ),
      );
      return;
    }
    const rows: HTMLElement[] = [];
    for (let i = entries.length - 1; i >= 0; i--) rows.push(row(entries[i]!));
    replace(this.body, ...rows);
  }
}

function row(e: LogEntry): HTMLElement {
  const cls =
    e.level === 'bad'
      ? 'badge bad'
      : e.level === 'ok'
        ? 'badge ok'
        : e.level === 'warn'
          ? 'badge warn'
          : 'badge';
  return h(
    'tr',
    { 'data-kind': e.kind },
    h('td', {}, timeMs(e.t)),
    h('td', {}, h('span', { class: cls }, e.kind.replace('_', ' '))),
    h('td', {}, e.app ?? ''),
    h('td', {}, e.channel ?? ''),
    h('td', {}, e.socket ?? ''),
    h(
      'td',
      { class: 'detail' },
      e.user !== undefined && !e.text.includes(e.user) ? `${e.text} (user ${e.user})` : e.text,
      e.data ? h('div', { class: 'muted' }, e.data) : null,
    ),
  );
}
