/** Event creator: trigger an event from the page, through the HTTP API's own path and limits. */
import { ApiError, api, appSelect, h, replace, time } from './dom.js';
import type { Info } from './state.js';

interface Sent {
  t: number;
  app: string;
  channels: string[];
  event: string;
  outcome: string;
  ok: boolean;
}

export class Creator {
  private readonly sent: Sent[] = [];
  private readonly history = h('div');
  private readonly result = h('div', { role: 'status' });

  constructor(
    private readonly root: HTMLElement,
    private readonly info: Info,
  ) {}

  mount(): void {
    let app = this.info.apps[0]?.id ?? '';
    const channels = h('input', {
      id: 'ec-channels',
      placeholder: 'my-channel, other-channel',
      required: true,
      size: 40,
    });
    const event = h('input', { id: 'ec-event', placeholder: 'my-event', required: true });
    const data = h('textarea', { id: 'ec-data', placeholder: '{"hello":"world"}' });
    const socket = h('input', { id: 'ec-socket', placeholder: 'optional: 123.456', size: 16 });
    const button = h('button', { type: 'submit' }, 'Send event');
    const form = h(
      'form',
      {
        class: 'panel creator',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const list = channels.value
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean);
          button.disabled = true;
          void this.send(app, list, event.value.trim(), data.value, socket.value.trim()).finally(() => {
            button.disabled = false;
          });
        },
      },
      field(
        'App',
        appSelect(this.info.apps, app, (id) => (app = id)),
      ),
      field('Channels', channels, 'comma-separated'),
      field('Event name', event),
      field('Data', data, 'sent as the event’s data string, exactly as typed (JSON or not)'),
      field('Exclude socket id', socket, 'the socket_id that must not receive it'),
      h('div', { class: 'toolbar' }, button, this.result),
    );
    replace(
      this.root,
      h('h1', {}, 'Event creator'),
      h(
        'p',
        { class: 'muted' },
        'The event goes through the same checks as POST /apps/{id}/events: name and payload limits, channel count, the app’s request rate. The event log shows it.',
      ),
      form,
      this.history,
    );
    this.drawHistory();
  }

  unmount(): void {}

  private async send(
    app: string,
    channels: string[],
    event: string,
    data: string,
    socket: string,
  ): Promise<void> {
    const body: Record<string, unknown> = { app, name: event, data, channels };
    if (socket) body['socket_id'] = socket;
    try {
      await api('/api/publish', body);
      replace(this.result, h('span', { class: 'ok' }, `Sent ${event} to ${channels.join(', ')}`));
      this.sent.unshift({ t: Date.now(), app, channels, event, outcome: 'sent', ok: true });
    } catch (err) {
      const status = err instanceof ApiError ? `HTTP ${err.status}: ` : '';
      replace(this.result, h('span', { class: 'error' }, `Refused: ${status}${(err as Error).message}`));
      this.sent.unshift({
        t: Date.now(),
        app,
        channels,
        event,
        outcome: `${status}${(err as Error).message}`,
        ok: false,
      });
    }
    this.sent.splice(20);
    this.drawHistory();
  }

  private drawHistory(): void {
    if (this.sent.length === 0) {
      replace(this.history);
      return;
    }
    replace(
      this.history,
      h(
        'div',
        { class: 'panel' },
        h('h2', {}, 'Sent from this page'),
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'time'),
              h('th', {}, 'app'),
              h('th', {}, 'event'),
              h('th', {}, 'channels'),
              h('th', {}, 'outcome'),
            ),
          ),
          h(
            'tbody',
            {},
            ...this.sent.map((s) =>
              h(
                'tr',
                {},
                h('td', {}, time(s.t)),
                h('td', {}, s.app),
                h('td', { class: 'mono' }, s.event),
                h('td', { class: 'mono' }, s.channels.join(', ')),
                h('td', { class: s.ok ? 'ok' : 'error' }, s.outcome),
              ),
            ),
          ),
        ),
      ),
    );
  }
}

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', id ? { for: id } : {}, label),
    control,
    hint ? h('div', { class: 'muted hint' }, hint) : null,
  );
}
