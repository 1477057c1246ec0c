/**
 * `node dist/bench/relay-cost.js [envelopes] [workers…]`: what the primary's IPC relay costs per
 * envelope under `--workers N` without Redis, measured in CPU time (so a busy machine does not skew
 * it). One child process plays the publishing worker and sends sealed channel envelopes as fast as its
 * IPC channel takes them; the real `IpcRelay` in this process forwards each to the other N−1 children,
 * exactly as `herald start --workers N` does. Reported per N: the primary's CPU µs per envelope, and the
 * envelope rate at which the relay would fill one core (1e6 / that), which is where the relay becomes
 * the limit of a multi-worker node.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Sealer } from '../src/adapters/envelope.js';
import { IpcRelay } from '../src/adapters/ipc-relay.js';

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === 'child') {
  // A worker: the first one publishes `count` envelopes, every one counts what it receives.
  const count = Number(process.argv[3]);
  const publisher = process.argv[4] === 'publisher';
  let received = 0;
  process.on('message', (m: { herald?: string }) => {
    if (m.herald === 'envelope' && ++received === count) process.send?.({ done: received });
    if ((m as { go?: boolean }).go && publisher) {
      const sealer = new Sealer('bench-worker');
      const frame = JSON.stringify({
        event: 'bench-event',
        channel: 'bench-fanout',
        data: JSON.stringify({ payload: 'x'.repeat(64) }),
      });
      let sent = 0;
      const next = (): void => {
        while (sent < count) {
          const envelope = sealer.seal({
            kind: 'channel',
            appId: 'bench-app',
            channel: 'bench-fanout',
            frame,
          });
          sent++;
          // The callback form lets IPC backpressure pace the loop instead of buffering everything.
          if (!process.send?.({ herald: 'envelope', envelope }, undefined, {}, () => undefined)) {
            setImmediate(next);
            return;
          }
        }
        process.send?.({ sent });
      };
      next();
    }
  });
} else {
  const envelopes = Number(process.argv[2] ?? 20000);
  const sizes = process.argv.slice(3).map(Number);
  for (const n of sizes.length ? sizes : [2, 4, 8]) {
    const relay = new IpcRelay();
    const children: ChildProcess[] = [];
    for (let i = 0; i < n; i++) {
      const child = fork(SELF, ['child', String(envelopes), i === 0 ? 'publisher' : 'receiver'], {
        serialization: 'advanced',
      });
      children.push(child);
      relay.attach(String(i), {
        send: (m) => child.send(m),
        onMessage: (listener) => child.on('message', listener),
      });
    }
    const done = Promise.all(
      children.slice(1).map(
        (c) =>
          new Promise<void>((resolve) =>
            c.on('message', (m: { done?: number }) => {
              if (m.done) resolve();
            }),
          ),
      ),
    );
    const cpu = process.cpuUsage();
    const started = performance.now();
    children[0]!.send({ go: true });
    await done;
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - started;
    const perEnvelope = (used.user + used.system) / envelopes;
    console.log(
      `workers ${n}: primary ${perEnvelope.toFixed(1)} µs CPU per envelope (${n - 1} forwards); ` +
        `relay fills a core at ${Math.round(1e6 / perEnvelope)} envelopes/s; ` +
        `this run ${Math.round(envelopes / (wall / 1000))} envelopes/s over ${(wall / 1000).toFixed(1)} s`,
    );
    for (const c of children) c.kill();
  }
}
