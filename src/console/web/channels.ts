/** Channels: the occupied channels of an app with counts, a prefix search, members and users. */
import { ago, api, appSelect, debounce, h, num, replace, time } from './dom.js';
import type { Info } from './state.js';
import type { UserConnection } from './wire.js';

interface Row {
  name: string;
  type: string;
  subscriptions: number;
  users?: number;
  occupiedSince?: number;
}
interface List {
  total: number;
  matched: number;
  rows: Row[];
  watchingSince: number;
}
interface Channel {
  name: string;
  type: string;
  subscriptions: number;
  members?: { id: string; info: unknown }[];
  memberCount?: number;
}

export class Channels {
  private app: string;
  private prefix = '';
  private selected: string | null = null;
  private timer = 0;
  private readonly table = h('div', { class: 'scroll' });
  private readonly summary = h('span', { class: 'muted' });
  private readonly userDetail = h('div');
  private readonly detail = h(
    'div',
    {},
    h(
      'p',
      { class: 'muted panel' },
      'Choose a channel to see its details; a presence channel lists its members, and a member opens to their connections.',
    ),
  );

  constructor(
    private readonly root: HTMLElement,
    private readonly info: Info,
  ) {
    this.app = info.apps[0]?.id ?? '';
  }

  mount(): void {
    const search = h('input', {
      type: 'search',
      placeholder: 'Channel prefix, e.g. presence-',
      class: 'wide',
      'aria-label': 'Channel prefix',
      oninput: debounce(() => {
        this.prefix = search.value;
        void this.refresh();
      }, 200),
    });
    const userInput = h('input', { type: 'search', placeholder: 'User id', 'aria-label': 'User id' });
    const userForm = h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          if (userInput.value) void this.showUser(userInput.value);
        },
      },
      userInput,
      h('button', { class: 'secondary' }, 'Find user'),
    );
    replace(
      this.root,
      h('h1', {}, 'Channels'),
      h(
        'div',
        { class: 'toolbar' },
        appSelect(this.info.apps, this.app, (id) => {
          this.app = id;
          this.selected = null;
          replace(this.detail);
          replace(this.userDetail);
          void this.refresh();
        }),
        search,
        h('span', { class: 'grow' }),
        this.summary,
      ),
      h(
        'div',
        { class: 'split' },
        h('div', { class: 'panel' }, this.table),
        h(
          'div',
          {},
          h('div', { class: 'panel' }, h('h2', {}, 'User'), userForm),
          this.userDetail,
          this.detail,
        ),
      ),
    );
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), 5000);
  }

  unmount(): void {
    clearInterval(this.timer);
  }

  private async refresh(): Promise<void> {
    const q = new URLSearchParams({ app: this.app, prefix: this.prefix });
    let list: List;
    try {
      list = await api<List>(`/api/channels?${q}`);
    } catch (err) {
      replace(this.table, h('p', { class: 'error' }, `Cannot list channels: ${(err as Error).message}`));
      return;
    }
    replace(
      this.summary,
      list.matched > list.rows.length
        ? `first ${num(list.rows.length)} of ${num(list.matched)} matching (${num(list.total)} occupied); narrow the prefix`
        : this.prefix
          ? `${num(list.matched)} matching of ${num(list.total)} occupied`
          : `${num(list.total)} occupied`,
    );
    if (list.rows.length === 0) {
      replace(
        this.table,
        h(
          'div',
          { class: 'empty' },
          list.total === 0
            ? 'No occupied channels in this app yet. Channels appear here as soon as a client subscribes.'
            : `No channel starts with “${this.prefix}”.`,
        ),
      );
      return;
    }
    const since = (r: Row) =>
      r.occupiedSince !== undefined
        ? h(
            'span',
            { title: new Date(r.occupiedSince).toISOString() },
            `${time(r.occupiedSince)} (${ago(r.occupiedSince)})`,
          )
        : h(
            'span',
            { class: 'muted', title: 'Occupied before this console started watching' },
            `before ${time(list.watchingSince)}`,
          );
    replace(
      this.table,
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'channel'),
            h('th', {}, 'type'),
            h('th', { class: 'num' }, 'subscriptions'),
            h('th', { class: 'num' }, 'users'),
            h('th', {}, 'occupied since'),
          ),
        ),
        h(
          'tbody',
          {},
          ...list.rows.map((r) =>
            h(
              'tr',
              {
                class: `clickable${r.name === this.selected ? ' selected' : ''}`,
                onclick: (ev: Event) => {
                  for (const tr of this.table.querySelectorAll('tr.selected'))
                    tr.classList.remove('selected');
                  (ev.currentTarget as HTMLElement).classList.add('selected');
                  void this.showChannel(r.name);
                },
              },
              h('td', { class: 'mono' }, r.name),
              h('td', {}, h('span', { class: 'badge' }, r.type)),
              h('td', { class: 'num' }, num(r.subscriptions)),
              h(
                'td',
                { class: 'num' },
                r.users !== undefined ? num(r.users) : h('span', { class: 'muted' }, '–'),
              ),
              h('td', {}, since(r)),
            ),
          ),
        ),
      ),
    );
  }

  private async showChannel(name: string): Promise<void> {
    this.selected = name;
    const c = await api<Channel>(`/api/channel?${new URLSearchParams({ app: this.app, channel: name })}`);
    const members = c.members
      ? c.members.length === 0
        ? h('p', { class: 'muted' }, 'No members.')
        : h(
            'table',
            {},
            h('thead', {}, h('tr', {}, h('th', {}, 'user id'), h('th', {}, 'user info'))),
            h(
              'tbody',
              {},
              ...c.members.map((m) =>
                h(
                  'tr',
                  { class: 'clickable', onclick: () => void this.showUser(m.id) },
                  h('td', { class: 'mono' }, m.id),
                  h(
                    'td',
                    { class: 'mono' },
                    m.info === null || m.info === undefined ? '' : JSON.stringify(m.info),
                  ),
                ),
              ),
            ),
          )
      : null;
    replace(
      this.detail,
      h(
        'div',
        { class: 'panel' },
        h('h2', { class: 'mono' }, c.name),
        h(
          'p',
          {},
          h('span', { class: 'badge' }, c.type),
          ` ${num(c.subscriptions)} subscription${c.subscriptions === 1 ? '' : 's'}`,
        ),
        c.members ? h('h3', {}, `Members (${num(c.memberCount ?? 0)})`) : null,
        members,
        c.members && (c.memberCount ?? 0) > c.members.length
          ? h('p', { class: 'muted' }, `showing ${c.members.length}`)
          : null,
        c.type !== 'presence' ? h('p', { class: 'muted' }, 'Only presence channels have members.') : null,
      ),
    );
  }

  private async showUser(id: string): Promise<void> {
    const u = await api<{ user: string; connections: UserConnection[] }>(
      `/api/user?${new URLSearchParams({ app: this.app, user: id })}`,
    );
    replace(
      this.userDetail,
      h(
        'div',
        { class: 'panel' },
        h('h2', {}, 'User ', h('span', { class: 'mono' }, u.user)),
        u.connections.length === 0
          ? h(
              'p',
              { class: 'muted' },
              'No connection is signed in as this user or a presence member as them.',
            )
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  h('th', {}, 'socket'),
                  h('th', {}, 'from'),
                  h('th', {}, 'since'),
                  h('th', {}, 'channels'),
                ),
              ),
              h(
                'tbody',
                {},
                ...u.connections.map((c) =>
                  h(
                    'tr',
                    {},
                    h(
                      'td',
                      { class: 'mono' },
                      c.socket,
                      c.signedIn ? h('span', { class: 'badge ok' }, 'signed in') : null,
                    ),
                    h(
                      'td',
                      { class: 'mono nowrap' },
                      c.ip,
                      this.info.cluster ? h('div', { class: 'muted' }, `node ${c.node.slice(0, 8)}`) : null,
                    ),
                    h('td', { class: 'nowrap' }, ago(c.openedAt)),
                    h(
                      'td',
                      { class: 'mono' },
                      ...(c.channels.length > 0
                        ? c.channels.map((ch) => h('div', {}, ch))
                        : [h('span', { class: 'muted' }, 'none')]),
                    ),
                  ),
                ),
              ),
            ),
      ),
    );
  }
}
