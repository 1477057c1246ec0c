/**
 * Apps: the store's apps through the admin API (`/api/apps`, the same operations as `herald apps`):
 * list, add, disable and enable, rotate a secret, remove. A secret is shown once, when it is made.
 */
import { api, h, replace, time } from './dom.js';
import { live } from './state.js';

interface AppView {
  id: string;
  key: string;
  enabled: boolean;
  clientEvents: boolean;
  webhooks: unknown[];
  previousSecretExpiresAt?: string;
}
interface AppList {
  store: string;
  writable: boolean;
  apps: AppView[];
}
interface Created extends AppView {
  secret: string;
}

export class AppsPage {
  private readonly message = h('div', { role: 'status' });
  private readonly body = h('div');
  /** The app whose removal awaits a second click. */
  private removing: string | null = null;

  constructor(private readonly root: HTMLElement) {}

  mount(): void {
    replace(this.root, h('h1', {}, 'Apps'), this.message, this.body);
    void this.refresh();
  }

  unmount(): void {}

  private async refresh(): Promise<void> {
    let list: AppList;
    try {
      list = await api<AppList>('/api/apps');
    } catch (err) {
      replace(
        this.body,
        h('div', { class: 'notice bad' }, `Cannot read the apps: ${(err as Error).message}`),
      );
      return;
    }
    const ro = !list.writable;
    replace(
      this.body,
      h('p', { class: 'muted' }, `Store: ${list.store}. Changes reach every node without a restart.`),
      ro
        ? h(
            'div',
            { class: 'notice' },
            'This store is read-only here: change the configuration file instead.',
          )
        : null,
      h(
        'div',
        { class: 'panel' },
        list.apps.length === 0
          ? h('div', { class: 'empty' }, 'No apps yet: add one below.')
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ...['id', 'key', 'state', 'client events', 'webhooks', 'previous secret', ''].map((x) =>
                    h('th', {}, x),
                  ),
                ),
              ),
              h('tbody', {}, ...list.apps.map((a) => this.row(a, ro))),
            ),
      ),
      ro ? null : this.addForm(),
    );
  }

  private row(a: AppView, ro: boolean): HTMLElement {
    const act = (label: string, fn: () => Promise<void>, cls = 'secondary') =>
      h('button', { class: cls, disabled: ro, onclick: () => void fn() }, label);
    const grace = h('input', {
      type: 'number',
      min: 0,
      value: 86400,
      size: 7,
      'aria-label': `Grace seconds for ${a.id}`,
      title: 'seconds the old secret keeps working',
    });
    return h(
      'tr',
      { 'data-app': a.id },
      h('td', { class: 'mono' }, a.id),
      h('td', { class: 'mono' }, a.key),
      h(
        'td',
        {},
        h('span', { class: a.enabled ? 'badge ok' : 'badge bad' }, a.enabled ? 'enabled' : 'disabled'),
      ),
      h('td', {}, a.clientEvents ? 'on' : 'off'),
      h('td', { class: 'num' }, a.webhooks.length),
      h(
        'td',
        {},
        a.previousSecretExpiresAt
          ? `accepted until ${new Date(a.previousSecretExpiresAt).toLocaleString()}`
          : h('span', { class: 'muted' }, '–'),
      ),
      h(
        'td',
        { class: 'actions' },
        a.enabled
          ? act('Disable', () =>
              this.call(
                `/api/apps/${encodeURIComponent(a.id)}/disable`,
                {},
                `App ${a.id} disabled: its connections were closed with 4003.`,
              ),
            )
          : act('Enable', () =>
              this.call(`/api/apps/${encodeURIComponent(a.id)}/enable`, {}, `App ${a.id} enabled.`),
            ),
        ' ',
        act('Rotate secret', () => this.rotate(a.id, Number(grace.value))),
        ' ',
        grace,
        ' s grace ',
        this.removing === a.id
          ? act('Confirm removal', () => this.remove(a.id), 'danger')
          : act(
              'Remove',
              async () => {
                this.removing = a.id;
                await this.refresh();
              },
              'danger',
            ),
      ),
    );
  }

  private addForm(): HTMLElement {
    const id = h('input', { id: 'app-id', placeholder: 'auto', size: 16 });
    const key = h('input', { id: 'app-key', placeholder: 'auto', size: 16 });
    const clientEvents = h('input', { id: 'app-client-events', type: 'checkbox' });
    return h(
      'form',
      {
        class: 'panel',
        id: 'add-app',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const body: Record<string, unknown> = { clientEvents: clientEvents.checked };
          if (id.value.trim()) body['id'] = id.value.trim();
          if (key.value.trim()) body['key'] = key.value.trim();
          void this.add(body);
        },
      },
      h('h2', {}, 'Add an app'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'app-id' }, 'Id'),
        id,
        h('label', { for: 'app-key' }, 'Key'),
        key,
        h('label', {}, clientEvents, ' client events'),
        h('button', { type: 'submit' }, 'Add app'),
      ),
      h(
        'p',
        { class: 'muted' },
        'The secret is generated and shown once. Other settings (limits, webhooks) use the defaults; change them with herald apps update or PATCH /api/apps/{id}.',
      ),
    );
  }

  private async add(body: Record<string, unknown>): Promise<void> {
    try {
      const app = await api<Created>('/api/apps', body);
      this.secret(`App ${app.id} added (key ${app.key}).`, app.secret);
      await live.load();
    } catch (err) {
      this.fail(err);
    }
    await this.refresh();
  }

  private async rotate(id: string, graceSeconds: number): Promise<void> {
    try {
      const app = await api<Created>(`/api/apps/${encodeURIComponent(id)}/rotate-secret`, { graceSeconds });
      const until = app.previousSecretExpiresAt
        ? ` The old secret is accepted until ${time(Date.parse(app.previousSecretExpiresAt))}.`
        : ' The old secret is refused from now on.';
      this.secret(`New secret for app ${id}.${until}`, app.secret);
    } catch (err) {
      this.fail(err);
    }
    await this.refresh();
  }

  private async remove(id: string): Promise<void> {
    this.removing = null;
    const res = await fetch(`/api/apps/${encodeURIComponent(id)}`, { method: 'DELETE' });
    if (res.ok) replace(this.message, h('div', { class: 'notice' }, `App ${id} removed.`));
    else
      this.fail(
        new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `HTTP ${res.status}`),
      );
    await live.load();
    await this.refresh();
  }

  private async call(path: string, body: unknown, done: string): Promise<void> {
    try {
      await api(path, body);
      replace(this.message, h('div', { class: 'notice' }, done));
    } catch (err) {
      this.fail(err);
    }
    await this.refresh();
  }

  /** The one time a secret is shown: it is not kept anywhere on the page once dismissed. */
  private secret(text: string, secret: string): void {
    const box = h(
      'div',
      { class: 'notice', id: 'one-time-secret' },
      h('p', {}, text, ' Copy the secret now: it is not shown again.'),
      h('div', { class: 'secret' }, secret),
      h('button', { class: 'secondary', onclick: () => replace(this.message) }, 'I have copied it'),
    );
    replace(this.message, box);
  }

  private fail(err: unknown): void {
    replace(this.message, h('div', { class: 'notice bad' }, `Refused: ${(err as Error).message}`));
  }
}
