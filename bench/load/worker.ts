/**
 * A load process: opens client connections, publishes, chats or churns on command from the controller,
 * and reports deliveries and latency histograms. Runs apart from the server under test.
 */
import { nowMicros } from '../lib/clock.js';
import { encode, newHistogram } from '../lib/histogram.js';
import { BenchConn, chat, openAll, setWindow, stats } from './clients.js';
import type { HttpStreamConn } from './http-clients.js';
import type { ChurnReply, CollectReply, Command, Push, StormReply, WorkerMessage } from './protocol.js';
import { credit, publish } from './publisher.js';

const conns: (BenchConn | HttpStreamConn)[] = [];
/** Scenarios that drive clients themselves (presence storms, chats) use WebSocket ones. */
const wsConns = (): BenchConn[] => conns.filter((c): c is BenchConn => c instanceof BenchConn);

function post(msg: WorkerMessage): void {
  process.send?.(msg);
}

async function churn(cmd: Extract<Command, { cmd: 'churn' }>): Promise<ChurnReply> {
  const hist = newHistogram();
  let joins = 0;
  let joinsInWindow = 0;
  const mine: BenchConn[] = [];
  const pid = process.pid;
  for (let i = 0; i < cmd.count; i++) {
    const c = new BenchConn(cmd.target.app, cmd.target.ws, { channels: [], userId: `churn-${pid}-${i}` });
    c.churn = {
      channel: cmd.channel,
      sentAt: 0,
      endAt: cmd.endAt,
      onJoin: (us) => {
        joins++;
        const now = nowMicros();
        if (now >= cmd.startAt && now < cmd.endAt) {
          joinsInWindow++;
          hist.recordValue(Math.max(1, us));
        }
      },
    };
    mine.push(c);
  }
  await new Promise((r) => setTimeout(r, Math.max(0, (cmd.endAt - nowMicros()) / 1000) + 200));
  for (const c of mine) c.close();
  return { joins, joinsInWindow, joinLatency: encode(hist) };
}

/**
 * Every connected member of this process subscribes to one presence channel in the same turn; resolves
 * once each has its snapshot and, with member_added, knows every member of the storm (or on timeout).
 */
async function storm(cmd: Extract<Command, { cmd: 'storm' }>): Promise<StormReply> {
  const joiners = wsConns().filter((c) => c.ready && c.spec.userId !== undefined);
  const start = nowMicros();
  let joined = 0;
  let complete = 0;
  let lastSnapshotUs = 0;
  let lastEventUs = 0;
  const errorsBefore = stats.errors;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const check = (c: BenchConn) => {
    const s = c.storm!;
    // The joiner itself is in its snapshot and gets no member_added for itself.
    if (!s.complete && s.snapshot >= 0 && s.snapshot + s.added >= cmd.members) {
      s.complete = true;
      if (++complete === joiners.length) done();
    }
  };
  for (const c of joiners) {
    c.storm = {
      snapshot: -1,
      added: 0,
      complete: false,
      onSnapshot() {
        joined++;
        lastSnapshotUs = nowMicros() - start;
        check(c);
      },
      onMember() {
        lastEventUs = nowMicros() - start;
        check(c);
      },
    };
  }
  for (const c of joiners) c.subscribe(cmd.channel);
  const timer = setTimeout(done, cmd.timeoutMs);
  await finished;
  clearTimeout(timer);
  let snapshotMembers = 0;
  let memberAdded = 0;
  for (const c of joiners) {
    snapshotMembers += Math.max(0, c.storm!.snapshot);
    memberAdded += c.storm!.added;
  }
  return {
    joiners: joiners.length,
    joined,
    snapshotMembers,
    memberAdded,
    incomplete: joiners.length - complete,
    lastSnapshotUs,
    lastEventUs,
    errors: stats.errors - errorsBefore,
    firstError: stats.firstError,
    closes: { ...stats.closes },
  };
}

function startChat(cmd: Extract<Command, { cmd: 'chat' }>): void {
  chat.endAt = cmd.endAt;
  chat.padTo = cmd.padTo;
  chat.running = true;
  chat.closedLoop = cmd.rate === null;
  const members = wsConns().filter((c) => c.spec.chat && c.ready);
  if (cmd.rate === null) {
    for (const c of members) {
      if (c.spec.chat!.index === 0) for (let t = 0; t < cmd.tokens; t++) c.sendChat(nowMicros());
    }
    return;
  }
  // Open loop: this process's share of the rate, round-robin over its members, intended times kept.
  const rate = cmd.rate;
  const start = nowMicros();
  let sent = 0;
  const ticker = setInterval(() => {
    const now = nowMicros();
    if (now >= cmd.endAt || members.length === 0) {
      clearInterval(ticker);
      return;
    }
    const due = Math.floor(((now - start) * rate) / 1e6) + 1;
    while (sent < due) {
      members[sent % members.length]!.sendChat(start + Math.round((sent * 1e6) / rate));
      sent++;
    }
  }, 1);
}

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.cmd) {
    case 'connect':
      return openAll(cmd.target, cmd.specs, cmd.concurrency, conns);
    case 'window':
      setWindow(cmd.from, cmd.to);
      return null;
    case 'publish':
      return publish(cmd);
    case 'chat':
      startChat(cmd);
      return null;
    case 'churn':
      return churn(cmd);
    case 'storm':
      return storm(cmd);
    case 'collect': {
      chat.running = false;
      const reply: CollectReply = {
        received: stats.received,
        receivedInWindow: stats.receivedInWindow,
        latency: encode(stats.latency),
        memberEvents: stats.memberEvents,
        memberEventsInWindow: stats.memberEventsInWindow,
        errors: stats.errors,
        firstError: stats.firstError,
        closes: stats.closes,
      };
      return reply;
    }
    case 'disconnect':
      for (const c of conns) c.close();
      conns.length = 0;
      return null;
  }
}

process.on('message', (msg: Command | Push) => {
  if ('type' in msg) {
    if (msg.type === 'credit') {
      credit.received = msg.received;
      credit.wake?.();
    } else process.exit(0);
    return;
  }
  run(msg).then(
    (value) => post({ type: 'reply', id: msg.id, ok: true, value }),
    (err: unknown) => post({ type: 'reply', id: msg.id, ok: false, error: String(err) }),
  );
});

let lastReported = -1;
setInterval(() => {
  if (stats.received !== lastReported) {
    lastReported = stats.received;
    post({ type: 'progress', received: stats.received });
  }
}, 10).unref();

process.on('disconnect', () => process.exit(0));
