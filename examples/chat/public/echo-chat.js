// The room page with Laravel Echo: `/echo?room=<id>&name=<you>`. Echo names the presence channel
// `presence-CHAT_<id>` from `join('CHAT_<id>')`; the server's `message` event has no Laravel namespace,
// hence the leading dot in `listen('.message')`.
const params = new URLSearchParams(location.search);
const name = params.get('name') || `guest-${Math.random().toString(36).slice(2, 6)}`;
const room = params.get('room') || 'lobby';
const $ = (id) => document.getElementById(id);

const config = await (await fetch('/config')).json();
const echo = new Echo.default({
  broadcaster: 'pusher',
  key: config.key,
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  forceTLS: false,
  enabledTransports: ['ws'],
  cluster: '',
  authEndpoint: '/pusher/auth',
  auth: { params: { name } },
});
const connection = echo.connector.pusher.connection;
connection.bind('state_change', ({ current }) => {
  $('status').textContent = `${name} · ${current} (Echo)`;
});
$('title').textContent = `Room ${room}`;

function show(message, mine = false) {
  $('messages').querySelector('.empty')?.remove();
  const li = document.createElement('li');
  if (mine) li.className = 'mine';
  const who = document.createElement('b');
  who.textContent = message.name;
  li.append(who, message.text);
  $('messages').append(li);
}

echo.channel(`CHAT_${room}`).listen('.message', (m) => show(m));

let members = [];
const renderMembers = () => {
  $('members').textContent = `Here: ${members
    .map((m) => m.name)
    .sort()
    .join(', ')}`;
};
let hideTyping;
const presence = echo
  .join(`CHAT_${room}`)
  .here((list) => {
    members = list;
    renderMembers();
  })
  .joining((m) => {
    members.push(m);
    renderMembers();
  })
  .leaving((m) => {
    members = members.filter((x) => x.name !== m.name);
    renderMembers();
  })
  .error((e) => {
    $('error').textContent = `Could not join the room: ${e.status ?? e.type}`;
  })
  .listenForWhisper('typing', ({ name: who }) => {
    $('typing').textContent = `${who} is typing…`;
    clearTimeout(hideTyping);
    hideTyping = setTimeout(() => ($('typing').textContent = ''), 3000);
  });

let lastTyping = 0;
$('text').addEventListener('input', () => {
  if (Date.now() - lastTyping < 1000) return;
  lastTyping = Date.now();
  presence.whisper('typing', { name });
});

$('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  try {
    const res = await fetch(`/api/chat/${encodeURIComponent(room)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, text: $('text').value, socket_id: echo.socketId() }),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    show(body, true);
    $('text').value = '';
  } catch (err) {
    $('error').textContent = `Not sent: ${err.message}`;
  }
});
