// The chat page: pusher-js (loaded from /pusher.js) listens; messages are sent through the app's own API,
// which triggers with the pusher SDK. `/?room=<id>&name=<you>` joins CHAT_<id>; `/single?name=<you>`
// uses the single-room channel `chat`.
const params = new URLSearchParams(location.search);
const name = params.get('name') || `guest-${Math.random().toString(36).slice(2, 6)}`;
const single = location.pathname === '/single';
const room = params.get('room') || 'lobby';
const $ = (id) => document.getElementById(id);

const config = await (await fetch('/config')).json();
const pusher = new Pusher(config.key, {
  wsHost: config.wsHost,
  wsPort: config.wsPort,
  forceTLS: false,
  enabledTransports: ['ws'],
  cluster: '',
  channelAuthorization: { endpoint: '/pusher/auth', transport: 'ajax', params: { name } },
});
pusher.connection.bind('state_change', ({ current }) => {
  $('status').textContent = `${name} · ${current}`;
});

function show(message, mine = false) {
  const list = $('messages');
  list.querySelector('.empty')?.remove();
  const li = document.createElement('li');
  if (mine) li.className = 'mine';
  const who = document.createElement('b');
  who.textContent = message.name;
  li.append(who, message.text);
  list.append(li);
}

let post;
if (single) {
  $('title').textContent = 'Chat';
  $('members').remove();
  $('typing').remove();
  pusher.subscribe('chat').bind('new_message', (m) => show(m, m.name === name));
  post = (text) =>
    fetch('/api/chat', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, text }),
    });
} else {
  $('title').textContent = `Room ${room}`;
  // Our own messages come back from the API (the server excludes this socket from the broadcast).
  pusher.subscribe(`CHAT_${room}`).bind('message', (m) => show(m));
  post = (text) =>
    fetch(`/api/chat/${encodeURIComponent(room)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, text, socket_id: pusher.connection.socket_id }),
    });

  // The presence variant of the room: who is here, and who is typing (client events, never via the server).
  const presence = pusher.subscribe(`presence-CHAT_${room}`);
  const renderMembers = () => {
    const names = [];
    presence.members.each((m) => names.push(m.info.name));
    $('members').textContent = `Here: ${names.sort().join(', ')}`;
  };
  presence.bind('pusher:subscription_succeeded', renderMembers);
  presence.bind('pusher:member_added', renderMembers);
  presence.bind('pusher:member_removed', renderMembers);
  presence.bind('pusher:subscription_error', (e) => {
    $('error').textContent = `Could not join the room: ${e.status ?? e.type}`;
  });
  let hideTyping;
  presence.bind('client-typing', ({ name: who }) => {
    $('typing').textContent = `${who} is typing…`;
    clearTimeout(hideTyping);
    hideTyping = setTimeout(() => ($('typing').textContent = ''), 3000);
  });
  let lastTyping = 0;
  $('text').addEventListener('input', () => {
    // Client events are rate-limited per connection: tell the room at most once a second.
    if (Date.now() - lastTyping < 1000 || !presence.subscribed) return;
    lastTyping = Date.now();
    presence.trigger('client-typing', { name });
  });
}

$('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('text');
  const text = input.value;
  $('error').textContent = '';
  try {
    const res = await post(text);
    const body = await res.json();
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    if (!single) show(body, true);
    input.value = '';
  } catch (err) {
    $('error').textContent = `Not sent: ${err.message}`;
  }
});
