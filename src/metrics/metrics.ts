/**
 * Prometheus metrics of one node. Everything is read off the server-event stream: counters move in
 * listeners, gauges are computed when scraped from the hub's own indexes, so nothing on the hot path
 * knows metrics exist beyond the events it already emits.
 *
 * Label cardinality stays bounded by what the operator configured: `app_id` only ever holds ids that
 * passed an app lookup (the stream never carries an unchecked id), close codes and error codes come
 * from the error table, and refused connections are counted by code only because their app key is
 * whatever the client typed.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ServerEvents } from '../events/server-events.js';
import { channelKind } from '../protocol/channel-names.js';

/** What the gauges read at scrape time (the hub implements it). */
export interface MetricsSource {
  connectionsByTransport(): Map<string, Map<string, number>>;
  channelsByApp(): Map<string, Map<string, number>>;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const RTT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export class HeraldMetrics {
  readonly registry = new Registry();
  private readonly offs: (() => void)[] = [];

  constructor(events: ServerEvents, source: MetricsSource) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    new Gauge({
      name: 'herald_connections',
      help: 'Open client connections on this node, by transport (ws, xhr_streaming, xhr_polling).',
      labelNames: ['app_id', 'transport'],
      registers,
      collect() {
        this.reset();
        for (const [appId, byTransport] of source.connectionsByTransport()) {
          for (const [transport, n] of byTransport) this.set({ app_id: appId, transport }, n);
        }
      },
    });
    // Each gauge walks the hub on its own: prom-client collects metrics independently, so a shared
    // pass would leave one of them a scrape behind.
    new Gauge({
      name: 'herald_channels',
      help: 'Channels with at least one subscriber on this node, by channel type.',
      labelNames: ['app_id', 'type'],
      registers,
      collect() {
        this.reset();
        for (const [appId, byName] of source.channelsByApp()) {
          for (const name of byName.keys()) this.inc({ app_id: appId, type: channelKind(name).type });
        }
      },
    });
    new Gauge({
      name: 'herald_subscriptions',
      help: 'Channel subscriptions held by connections on this node, by channel type.',
      labelNames: ['app_id', 'type'],
      registers,
      collect() {
        this.reset();
        for (const [appId, byName] of source.channelsByApp()) {
          for (const [name, n] of byName) this.inc({ app_id: appId, type: channelKind(name).type }, n);
        }
      },
    });

    const opened = new Counter({
      name: 'herald_connections_opened_total',
      help: 'Client connections established, by transport.',
      labelNames: ['app_id', 'transport'],
      registers,
    });
    const closed = new Counter({
      name: 'herald_connections_closed_total',
      help: 'Client connections closed, by close code and transport.',
      labelNames: ['app_id', 'code', 'transport'],
      registers,
    });
    const refused = new Counter({
      name: 'herald_connections_refused_total',
      help: 'Upgrades answered with pusher:error and a close code instead of a connection.',
      labelNames: ['code'],
      registers,
    });
    const framesIn = new Counter({
      name: 'herald_ws_messages_received_total',
      help: 'WebSocket text messages received from clients (every kind: ping, subscribe, client events…).',
      labelNames: ['app_id'],
      registers,
    });
    const framesInBytes = new Counter({
      name: 'herald_ws_bytes_received_total',
      help: 'Bytes of WebSocket text messages received from clients.',
      labelNames: ['app_id'],
      registers,
    });
    const messagesIn = new Counter({
      name: 'herald_messages_in_total',
      help: 'Channel events fanned out by this node, by source (api, client, internal).',
      labelNames: ['app_id', 'source'],
      registers,
    });
    const bytesIn = new Counter({
      name: 'herald_bytes_in_total',
      help: 'Bytes of the channel event frames fanned out by this node, by source.',
      labelNames: ['app_id', 'source'],
      registers,
    });
    const messagesOut = new Counter({
      name: 'herald_messages_out_total',
      help: 'Channel event frames written to sockets (one per recipient), by source.',
      labelNames: ['app_id', 'source'],
      registers,
    });
    const bytesOut = new Counter({
      name: 'herald_bytes_out_total',
      help: 'Bytes of channel event frames written to sockets (frame bytes times recipients), by source.',
      labelNames: ['app_id', 'source'],
      registers,
    });
    const apiRequests = new Counter({
      name: 'herald_http_requests_total',
      help: 'HTTP API requests, by route and status.',
      labelNames: ['app_id', 'route', 'status'],
      registers,
    });
    const apiLatency = new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'HTTP API request latency, from the first byte read to the response written.',
      labelNames: ['app_id', 'route'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const webhooks = new Counter({
      name: 'herald_webhooks_total',
      help: 'Webhook batches by outcome (sent, retried, failed, dead_lettered).',
      labelNames: ['app_id', 'outcome'],
      registers,
    });
    const webhookEvents = new Counter({
      name: 'herald_webhook_events_total',
      help: 'Webhook events carried by those batches, by outcome.',
      labelNames: ['app_id', 'outcome'],
      registers,
    });
    const adapterMessages = new Counter({
      name: 'herald_adapter_messages_total',
      help: 'Envelopes this node published to or received from other nodes through the adapter.',
      labelNames: ['op'],
      registers,
    });
    const adapterBytes = new Counter({
      name: 'herald_adapter_bytes_total',
      help: 'Bytes of those envelopes.',
      labelNames: ['op'],
      registers,
    });
    const adapterRtt = new Histogram({
      name: 'herald_adapter_rtt_seconds',
      help: 'Round-trip time of the Redis adapter heartbeat (one script call every nodeTimeout / 5).',
      buckets: RTT_BUCKETS,
      registers,
    });
    const clientErrors = new Counter({
      name: 'herald_client_errors_total',
      help: 'pusher:error frames sent to clients, by Pusher error code ("none" for code null).',
      labelNames: ['app_id', 'code'],
      registers,
    });
    const slowConsumers = new Counter({
      name: 'herald_slow_consumers_total',
      help: 'Connections closed with 4100 because they stopped reading.',
      labelNames: ['app_id'],
      registers,
    });

    // Specific subscriptions (not tap): events nobody measures stay unbuilt on the hot path.
    this.offs.push(
      events.on('connection_opened', (e) => opened.inc({ app_id: e.appId, transport: e.transport })),
      events.on('connection_closed', (e) =>
        closed.inc({ app_id: e.appId, code: String(e.code), transport: e.transport }),
      ),
      events.on('connection_refused', (e) => refused.inc({ code: String(e.code) })),
      events.on('message_in', (e) => {
        framesIn.inc({ app_id: e.appId });
        framesInBytes.inc({ app_id: e.appId }, e.bytes);
      }),
      events.on('event_published', (e) => {
        const labels = { app_id: e.appId, source: e.source };
        messagesIn.inc(labels);
        bytesIn.inc(labels, e.bytes);
        if (e.recipients > 0) {
          messagesOut.inc(labels, e.recipients);
          bytesOut.inc(labels, e.bytes * e.recipients);
        }
      }),
      events.on('api_request', (e) => {
        const appId = e.appId ?? '';
        apiRequests.inc({ app_id: appId, route: e.route, status: String(e.status) });
        apiLatency.observe({ app_id: appId, route: e.route }, e.durationMs / 1000);
      }),
      events.on('webhook', (e) => {
        const labels = { app_id: e.appId, outcome: e.outcome };
        webhooks.inc(labels);
        webhookEvents.inc(labels, e.events);
      }),
      events.on('adapter', (e) => {
        adapterMessages.inc({ op: e.op });
        adapterBytes.inc({ op: e.op }, e.bytes);
      }),
      events.on('adapter_rtt', (e) => adapterRtt.observe(e.ms / 1000)),
      events.on('error', (e) =>
        clientErrors.inc({ app_id: e.appId ?? '', code: e.code === null ? 'none' : String(e.code) }),
      ),
      events.on('slow_consumer', (e) => slowConsumers.inc({ app_id: e.appId })),
    );
  }

  /** Prometheus text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Detaches the listeners; the registry keeps its last values. */
  stop(): void {
    for (const off of this.offs) off();
    this.offs.length = 0;
  }
}
