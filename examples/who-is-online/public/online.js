// Joins the presence channel, shows the member count and a virtualised list (only the visible rows are in the
// DOM, so thousands of members stay cheap), and polls the backend's webhook-fed count beside it.
const ROW = 24;
const me = `viewer-${Math.random().toString(36).slice(2, 8)}`;
const config = await (await fetch('/config')).json();
const pusher = new Pusher(config.key, {
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  forceTLS: false,
  enabledTransports: ['ws'],
  cluster: '',
  channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: { user: me } },
});

const list = document.getElementById('list');
const spacer = document.createElement('div');
let ids = [];

function render() {
  const first = Math.floor(list.scrollTop / ROW);
  const visible = Math.ceil(list.clientHeight / ROW) + 1;
  const rows = ids.slice(first, first + visible).map((id, i) => {
    const row = document.createElement('div');
    row.className = (first + i) % 2 ? 'row odd' : 'row';
    row.style.top = `${(first + i) * ROW}px`;
    row.textContent = id === me ? `${id} (you)` : id;
    return row;
  });
  spacer.style.height = `${ids.length * ROW}px`;
  list.replaceChildren(spacer, ...rows);
}
list.addEventListener('scroll', render);

const channel = pusher.subscribe(config.channel);
let pending = false;
function update() {
  // Member events come in bursts: redraw once per frame.
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    ids = Object.keys(channel.members.members).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    document.getElementById('members').textContent = String(channel.members.count);
    render();
  });
}
channel.bind('pusher:subscription_succeeded', update);
channel.bind('pusher:member_added', update);
channel.bind('pusher:member_removed', update);
channel.bind('pusher:subscription_error', (e) => {
  list.innerHTML = '';
  list.append(
    Object.assign(document.createElement('div'), {
      className: 'empty',
      textContent: `Refused: HTTP ${e.status}`,
    }),
  );
});

async function poll() {
  try {
    const res = await fetch('/api/online');
    if (res.ok) document.getElementById('table').textContent = String((await res.json()).count);
  } finally {
    setTimeout(poll, 500);
  }
}
poll();
