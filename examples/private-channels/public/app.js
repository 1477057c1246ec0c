// Subscribes to each kind of channel with the session token in the auth params, signs in, and shows per row
// whether it worked, what the server refused (with the HTTP status), and the last event received.
const token = new URLSearchParams(location.search).get('token') ?? 'alice-token';
const user = token.split('-')[0];
document.getElementById('token').textContent = token;

const config = await (await fetch('/config')).json();
const pusher = new Pusher(config.key, {
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  forceTLS: false,
  enabledTransports: ['ws'],
  cluster: '',
  channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: { token } },
  userAuthentication: { endpoint: '/pusher/user-auth', transport: 'ajax', params: { token } },
});
pusher.connection.bind('state_change', ({ current }) => {
  document.getElementById('connection').textContent = current;
});

function row(id, label) {
  const tr = document.createElement('tr');
  tr.id = id;
  tr.innerHTML = '<td><code></code></td><td class="state pending">waiting…</td><td class="event">—</td>';
  tr.querySelector('code').textContent = label;
  document.getElementById('rows').append(tr);
  return {
    state(text, kind) {
      const cell = tr.querySelector('.state');
      cell.textContent = text;
      cell.className = `state ${kind}`;
    },
    event(data) {
      tr.querySelector('.event').textContent = data.text;
    },
  };
}

const channels = [
  ['private', `private-notes-${user}`],
  ['encrypted', `private-encrypted-secrets-${user}`],
  ['presence', 'presence-team'],
  ['admin', 'private-admin-audit'],
];
for (const [id, name] of channels) {
  const r = row(id, name);
  const channel = pusher.subscribe(name);
  channel.bind('pusher:subscription_succeeded', () => {
    const extra =
      id === 'presence' ? ` (${channel.members.count} here, you are ${channel.members.me.info.name})` : '';
    r.state(`subscribed${extra}`, 'ok');
  });
  channel.bind('pusher:subscription_error', (error) => r.state(`refused: HTTP ${error.status}`, 'refused'));
  channel.bind('ping', (data) => r.event(data));
}

const signin = row('user', 'user sign-in (sendToUser)');
pusher.user.bind('ping', (data) => signin.event(data));
pusher.user.bind('pusher:signin_error', (error) => signin.state(`refused: HTTP ${error.status}`, 'refused'));
pusher.signin();
// Settles whether sign-in worked or not; user_data is set only when it did.
pusher.user.signinDonePromise.then(() => {
  if (pusher.user.user_data) signin.state(`signed in as ${pusher.user.user_data.id}`, 'ok');
});

document.getElementById('ping').addEventListener('click', async () => {
  const res = await fetch('/api/ping', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) signin.state(`backend refused: HTTP ${res.status}`, 'refused');
});
