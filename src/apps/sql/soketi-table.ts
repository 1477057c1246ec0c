/**
 * soketi's `apps` table, read and written as it stands (docs.soketi.app, "SQL Drivers": the same
 * columns for MySQL and PostgreSQL). Mapping, in both directions (docs/app-stores.md has the table):
 *
 * - `-1` means "no limit" in soketi. Herald's connection and API limits use 0 for that, its client
 *   event rate has no "unlimited", so -1 becomes a rate no client reaches.
 * - Sizes in KB become bytes. NULL limit columns take Herald's defaults.
 * - `webhooks` is soketi's JSON: `url`, `event_types`, `headers`, `filter.channel_name_starts_with`
 *   / `channel_name_ends_with`. AWS Lambda targets (no `url`) are skipped.
 * - Herald settings without a soketi column keep their defaults; a previous secret cannot be held.
 *
 * The table is never altered. On MySQL, Herald adds a side table `<table>_version` so that writes made
 * through Herald reach every node at once; edits made by hand in SQL show after `cacheTtl`.
 */
import type { AppConfig, WebhookTarget } from '../../config/config.js';
import { DEFAULT_LIMITS, UNLIMITED_CLIENT_EVENT_RATE as UNLIMITED_RATE } from '../../protocol/limits.js';
import { AppStoreError } from '../app-store.js';
import { versionTable } from './herald-table.js';
import type { Row, SqlDb } from './sql-db.js';
import { int, parseJson, type TableLayout, truthy, validApp } from './table-layout.js';

interface SoketiWebhook {
  url?: string;
  event_types?: string[];
  headers?: Record<string, string>;
  filter?: { channel_name_starts_with?: string; channel_name_ends_with?: string };
}

function limitOrUnlimited(v: unknown, unlimited: number): number | undefined {
  const n = int(v);
  if (n === undefined) return undefined;
  return n < 0 ? unlimited : n;
}

function kb(v: unknown): number | undefined {
  const n = int(v);
  return n === undefined || n < 0 ? undefined : Math.round(n * 1024);
}

function fromSoketiWebhooks(v: unknown): WebhookTarget[] {
  const list = parseJson(v);
  if (!Array.isArray(list)) return [];
  const out: WebhookTarget[] = [];
  for (const w of list as SoketiWebhook[]) {
    if (!w || typeof w.url !== 'string' || w.url === '') continue;
    const t: Record<string, unknown> = { url: w.url };
    if (Array.isArray(w.event_types)) t['events'] = w.event_types;
    if (w.headers) t['headers'] = w.headers;
    const f = w.filter;
    if (f && (f.channel_name_starts_with || f.channel_name_ends_with)) {
      t['filter'] = {
        ...(f.channel_name_starts_with ? { channelPrefix: f.channel_name_starts_with } : {}),
        ...(f.channel_name_ends_with ? { channelSuffix: f.channel_name_ends_with } : {}),
      };
    }
    out.push(t as unknown as WebhookTarget);
  }
  return out;
}

function toSoketiWebhooks(targets: readonly WebhookTarget[]): SoketiWebhook[] {
  return targets.map((t) => ({
    url: t.url,
    event_types: t.events,
    ...(t.headers && Object.keys(t.headers).length > 0 ? { headers: t.headers } : {}),
    ...(t.filter
      ? {
          filter: {
            ...(t.filter.channelPrefix ? { channel_name_starts_with: t.filter.channelPrefix } : {}),
            ...(t.filter.channelSuffix ? { channel_name_ends_with: t.filter.channelSuffix } : {}),
          },
        }
      : {}),
  }));
}

function defined(o: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}

export const soketiTable: TableLayout = {
  async prepare(db: SqlDb, table: string): Promise<void> {
    // Only reads: fails with the database's own "does not exist" message when the table is missing.
    await db.query(`SELECT id FROM ${db.ident(table)} WHERE 1 = 0`);
    if (db.dialect === 'mysql') {
      const V = db.ident(versionTable(table));
      await db.query(
        `CREATE TABLE IF NOT EXISTS ${V} (id tinyint NOT NULL PRIMARY KEY, version bigint NOT NULL)`,
      );
      await db.query(`INSERT IGNORE INTO ${V} (id, version) VALUES (1, 0)`);
    }
  },
  fromRow(row: Row): AppConfig {
    const limits = defined({
      maxConnections: limitOrUnlimited(row['max_connections'], 0),
      maxClientEventsPerSecond: limitOrUnlimited(row['max_client_events_per_sec'], UNLIMITED_RATE),
      maxApiRequestsPerSecond: limitOrUnlimited(row['max_backend_events_per_sec'], 0),
      maxPresenceMembers: int(row['max_presence_members_per_channel']),
      maxPresenceUserInfoBytes: kb(row['max_presence_member_size_in_kb']),
      // Herald never goes below Pusher's 164 (channel names pusher-js builds must fit).
      maxChannelNameLength:
        int(row['max_channel_name_length']) === undefined
          ? undefined
          : Math.min(
              1000,
              Math.max(DEFAULT_LIMITS.maxChannelNameLength, int(row['max_channel_name_length'])!),
            ),
      maxChannelsPerEvent: int(row['max_event_channels_at_once']),
      maxEventNameLength: int(row['max_event_name_length']),
      maxEventPayloadBytes: kb(row['max_event_payload_in_kb']),
      maxBatchSize: int(row['max_event_batch_size']),
    });
    return validApp(
      {
        id: String(row['id']),
        key: row['key'],
        secret: row['secret'],
        enabled: truthy(row['enabled']),
        clientEvents: truthy(row['enable_client_messages']),
        userAuthentication: truthy(row['enable_user_authentication']),
        limits,
        webhooks: fromSoketiWebhooks(row['webhooks']),
      },
      `app ${String(row['id'])}`,
    );
  },
  toRow(app: AppConfig): Row {
    if (app.previousSecret !== undefined) {
      throw new AppStoreError(
        'invalid',
        "soketi's apps table has no column for a previous secret: rotate with --grace 0 (the old secret stops at once)",
      );
    }
    const l = app.limits;
    const unlimited = (n: number) => (n === 0 ? -1 : n);
    // NULL takes the defaults, and keeps Herald's defaults out of soketi's narrow MySQL columns.
    const orNull = (name: keyof typeof l, v: number) => (l[name] === DEFAULT_LIMITS[name] ? null : v);
    return {
      id: app.id,
      key: app.key,
      secret: app.secret,
      max_connections: unlimited(l.maxConnections),
      enable_client_messages: app.clientEvents ? 1 : 0,
      enabled: app.enabled ? 1 : 0,
      max_backend_events_per_sec: unlimited(l.maxApiRequestsPerSecond),
      max_client_events_per_sec:
        l.maxClientEventsPerSecond >= UNLIMITED_RATE ? -1 : l.maxClientEventsPerSecond,
      max_read_req_per_sec: -1,
      max_presence_members_per_channel: orNull('maxPresenceMembers', l.maxPresenceMembers),
      max_presence_member_size_in_kb: orNull(
        'maxPresenceUserInfoBytes',
        Math.ceil(l.maxPresenceUserInfoBytes / 1024),
      ),
      max_channel_name_length: orNull('maxChannelNameLength', l.maxChannelNameLength),
      max_event_channels_at_once: orNull('maxChannelsPerEvent', l.maxChannelsPerEvent),
      max_event_name_length: orNull('maxEventNameLength', l.maxEventNameLength),
      max_event_payload_in_kb: orNull('maxEventPayloadBytes', Math.ceil(l.maxEventPayloadBytes / 1024)),
      max_event_batch_size: orNull('maxBatchSize', l.maxBatchSize),
      webhooks: JSON.stringify(toSoketiWebhooks(app.webhooks)),
      enable_user_authentication: app.userAuthentication ? 1 : 0,
    };
  },
};
