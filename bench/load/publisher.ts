/**
 * Publishes events through the signed HTTP API on keep-alive connections. At a fixed rate every event
 * carries its *intended* send time, so a server that stalls the publisher is charged for the stall
 * (no coordinated omission); without a rate it publishes as fast as the delivery window allows.
 */
import { Agent, request } from 'node:http';
import { nowMicros, stampedData } from '../lib/clock.js';
import { encode, newHistogram } from '../lib/histogram.js';
import { httpBase, signedPath } from '../lib/pusher-wire.js';
import type { Command, PublishReply } from './protocol.js';

type PublishCommand = Extract<Command, { cmd: 'publish' }>;

export const credit = { received: 0, wake: null as (() => void) | null };

export function publish(cmd: PublishCommand): Promise<PublishReply> {
  const { target, channels, deliveries, rate, window, concurrency, startAt, measureFrom, endAt, padTo } = cmd;
  const base = new URL(httpBase(target.ws));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const path = `/apps/${target.app.id}/events`;
  const requests = newHistogram();
  let published = 0;
  let deliveriesPublished = 0;
  let inFlight = 0;
  let httpErrors = 0;
  let firstHttpError: string | null = null;
  let requestsInWindow = 0;
  let done = false;

  return new Promise((resolve) => {
    const finish = () => {
      if (!done || inFlight > 0) return;
      clearInterval(ticker);
      credit.wake = null;
      agent.destroy();
      resolve({
        published,
        deliveriesPublished,
        httpErrors,
        firstHttpError,
        requests: encode(requests),
        requestsInWindow,
      });
    };

    const send = (intended: number) => {
      const i = published++;
      const channel = channels[i % channels.length]!;
      deliveriesPublished += deliveries[i % deliveries.length]!;
      const body = JSON.stringify({ name: 'bench', channel, data: stampedData(intended, `i=${i};`, padTo) });
      const sentAt = nowMicros();
      inFlight++;
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: signedPath(target.app, 'POST', path, body),
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => {
            inFlight--;
            const now = nowMicros();
            if (res.statusCode !== 200) {
              httpErrors++;
              firstHttpError ??= `${res.statusCode}: ${text.slice(0, 200)}`;
            } else if (sentAt >= measureFrom && now < endAt) {
              requestsInWindow++;
              requests.recordValue(Math.max(1, now - intended));
            }
            pump();
          });
        },
      );
      req.on('error', (err) => {
        inFlight--;
        httpErrors++;
        firstHttpError ??= err.message;
        pump();
      });
      req.end(body);
    };

    const pump = () => {
      const now = nowMicros();
      if (now >= endAt) done = true;
      else if (now < startAt) return;
      while (!done && inFlight < concurrency) {
        if (rate !== null) {
          const due = Math.floor(((now - startAt) * rate) / 1e6) + 1;
          if (published >= due) break;
          send(startAt + Math.round((published * 1e6) / rate));
        } else {
          if (window !== null && deliveriesPublished - credit.received >= window) break;
          send(nowMicros());
        }
      }
      finish();
    };

    credit.wake = pump;
    const ticker = setInterval(pump, 1);
    pump();
  });
}
