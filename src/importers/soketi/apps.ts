/**
 * One soketi app (the array driver's objects, any of the key spellings soketi accepts) as a Herald app:
 * credentials, switches, limits and webhooks. soketi's server-wide limits are its per-app defaults, so
 * they are folded into every app here.
 */

import { UNLIMITED_CLIENT_EVENT_RATE } from '../../protocol/limits.js';
import type { ImportReport } from './report.js';

/** soketi's server-wide options that give every app a default (option key → app field). */
export const APP_DEFAULTS: Readonly<Record<string, string>> = {
  'presence.maxMembersPerChannel': 'maxPresenceMembersPerChannel',
  'presence.maxMemberSizeInKb': 'maxPresenceMemberSizeInKb',
  'channelLimits.maxNameLength': 'maxChannelNameLength',
  'eventLimits.maxChannelsAtOnce': 'maxEventChannelsAtOnce',
  'eventLimits.maxNameLength': 'maxEventNameLength',
  'eventLimits.maxPayloadInKb': 'maxEventPayloadInKb',
  'eventLimits.maxBatchSize': 'maxEventBatchSize',
};

/** Canonical field → the spellings soketi reads (camelCase, PascalCase, snake_case, abbreviations). */
const ALIASES: Record<string, string[]> = {
  id: ['id'],
  key: ['key'],
  secret: ['secret'],
  enabled: ['enabled'],
  maxConnections: ['maxconnections'],
  enableClientMessages: ['enableclientmessages'],
  maxBackendEventsPerSecond: ['maxbackendeventspersecond', 'maxbackendeventspersec'],
  maxClientEventsPerSecond: ['maxclienteventspersecond', 'maxclienteventspersec'],
  maxReadRequestsPerSecond: ['maxreadrequestspersecond', 'maxreadreqpersec'],
  webhooks: ['webhooks'],
  maxPresenceMembersPerChannel: ['maxpresencemembersperchannel'],
  maxPresenceMemberSizeInKb: ['maxpresencemembersizeinkb'],
  maxChannelNameLength: ['maxchannelnamelength'],
  maxEventChannelsAtOnce: ['maxeventchannelsatonce'],
  maxEventNameLength: ['maxeventnamelength'],
  maxEventPayloadInKb: ['maxeventpayloadinkb'],
  maxEventBatchSize: ['maxeventbatchsize'],
  enableUserAuthentication: ['enableuserauthentication'],
};

const canon = (k: string) => k.toLowerCase().replace(/_/g, '');
const FIELD_OF = new Map(
  Object.entries(ALIASES).flatMap(([field, spellings]) => spellings.map((s) => [s, field])),
);

/** A number from soketi's loosely typed values ("100", 100); undefined for unset, -1 or garbage. */
function limit(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** soketi's "no limit": -1 (a number or a string). */
function isUnlimited(v: unknown): boolean {
  return v === -1 || v === '-1';
}

function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === '1' || v === 'true') return true;
  if (v === 0 || v === '0' || v === 'false') return false;
  return undefined;
}

interface SoketiWebhook {
  url?: unknown;
  headers?: unknown;
  event_types?: unknown;
  filter?: { channel_name_starts_with?: unknown; channel_name_ends_with?: unknown };
  lambda_function?: unknown;
}

function mapWebhooks(list: unknown, where: string, report: ImportReport): Record<string, unknown>[] {
  const hooks = typeof list === 'string' ? (JSON.parse(list) as unknown) : list;
  if (!Array.isArray(hooks)) return [];
  const out: Record<string, unknown>[] = [];
  hooks.forEach((raw: SoketiWebhook, j) => {
    const at = `${where}.webhooks[${j}]`;
    if (typeof raw.url !== 'string' || raw.url === '') {
      report.notApplicable(
        at,
        raw.lambda_function
          ? 'an AWS Lambda target: Herald posts webhooks over HTTP(S) only; put an HTTP endpoint (API Gateway, a function URL) in front of the function'
          : 'no url',
      );
      return;
    }
    const hook: Record<string, unknown> = { url: raw.url };
    if (Array.isArray(raw.event_types)) hook['events'] = raw.event_types;
    const filter: Record<string, string> = {};
    if (typeof raw.filter?.channel_name_starts_with === 'string')
      filter['channelPrefix'] = raw.filter.channel_name_starts_with;
    if (typeof raw.filter?.channel_name_ends_with === 'string')
      filter['channelSuffix'] = raw.filter.channel_name_ends_with;
    if (Object.keys(filter).length > 0) hook['filter'] = filter;
    if (raw.headers && typeof raw.headers === 'object') hook['headers'] = raw.headers;
    try {
      const u = new URL(raw.url);
      if (u.username || u.password) hook['allowUrlCredentials'] = true;
    } catch {
      // left for Herald's own check to report when the config is validated
    }
    report.mapped(
      at,
      `${where}.webhooks[${out.length}]`,
      'url, headers and event_types as they are; filter.channel_name_starts_with/ends_with become filter.channelPrefix/channelSuffix',
    );
    out.push(hook);
  });
  return out;
}

/**
 * `globals`: soketi's server-wide defaults that were set (APP_DEFAULTS keys, plus
 * `userAuthenticationTimeout`), applied where the app has no value of its own.
 */
export function mapApp(
  soketiApp: Record<string, unknown>,
  index: number,
  globals: ReadonlyMap<string, unknown>,
  report: ImportReport,
): Record<string, unknown> {
  const where = `apps[${index}]`;
  const fields = new Map<string, unknown>();
  for (const [k, v] of Object.entries(soketiApp)) {
    const field = FIELD_OF.get(canon(k));
    if (field) fields.set(field, v);
    else report.notApplicable(`${where}.${k}`, 'not a soketi app setting; ignored');
  }
  for (const [option, field] of Object.entries(APP_DEFAULTS)) {
    if (!fields.has(field) && globals.has(option)) fields.set(field, globals.get(option));
  }
  const app: Record<string, unknown> = {
    id: String(fields.get('id') ?? ''),
    key: String(fields.get('key') ?? ''),
    secret: String(fields.get('secret') ?? ''),
  };
  const limits: Record<string, number> = {};
  const get = (f: string) => fields.get(f);
  const note = (f: string, herald: string, reason = '') => {
    if (fields.has(f)) report.mapped(`${where}.${f}`, `${where}.${herald}`, reason);
  };
  note('id', 'id');
  note('key', 'key');
  note('secret', 'secret');

  const enabled = bool(get('enabled'));
  if (enabled !== undefined) app['enabled'] = enabled;
  note('enabled', 'enabled');
  const clientEvents = bool(get('enableClientMessages'));
  if (clientEvents !== undefined) app['clientEvents'] = clientEvents;
  note('enableClientMessages', 'clientEvents');
  if (bool(get('enableUserAuthentication'))) {
    app['authorizedConnections'] = true;
    const ms = limit(globals.get('userAuthenticationTimeout'));
    if (ms !== undefined) app['authorizedConnectionsTimeout'] = Math.max(1, Math.round(ms / 1000));
  }
  note(
    'enableUserAuthentication',
    'authorizedConnections',
    'soketi closes connections that do not sign in within userAuthenticationTimeout; Herald closes those that neither sign in nor join a private or presence channel within authorizedConnectionsTimeout (4009 in both)',
  );

  const maxConnections = limit(get('maxConnections'));
  if (maxConnections !== undefined) limits['maxConnections'] = maxConnections;
  note('maxConnections', 'limits.maxConnections', '-1 (unlimited) becomes 0');
  const members = limit(get('maxPresenceMembersPerChannel'));
  if (members !== undefined && members >= 1) limits['maxPresenceMembers'] = members;
  note('maxPresenceMembersPerChannel', 'limits.maxPresenceMembers');
  const memberKb = limit(get('maxPresenceMemberSizeInKb'));
  if (memberKb !== undefined) limits['maxPresenceUserInfoBytes'] = Math.max(1, Math.round(memberKb * 1024));
  note('maxPresenceMemberSizeInKb', 'limits.maxPresenceUserInfoBytes', 'kilobytes become bytes (× 1024)');
  const nameLength = limit(get('maxChannelNameLength'));
  if (nameLength !== undefined) limits['maxChannelNameLength'] = Math.min(1000, Math.max(164, nameLength));
  note(
    'maxChannelNameLength',
    'limits.maxChannelNameLength',
    'kept within 164..1000, the range Herald accepts',
  );
  const channels = limit(get('maxEventChannelsAtOnce'));
  if (channels !== undefined && channels >= 1) limits['maxChannelsPerEvent'] = channels;
  note('maxEventChannelsAtOnce', 'limits.maxChannelsPerEvent');
  const eventName = limit(get('maxEventNameLength'));
  if (eventName !== undefined && eventName >= 1) limits['maxEventNameLength'] = eventName;
  note('maxEventNameLength', 'limits.maxEventNameLength');
  const payloadKb = limit(get('maxEventPayloadInKb'));
  if (payloadKb !== undefined) limits['maxEventPayloadBytes'] = Math.max(1, Math.round(payloadKb * 1024));
  note('maxEventPayloadInKb', 'limits.maxEventPayloadBytes', 'kilobytes become bytes (× 1024)');
  const batch = limit(get('maxEventBatchSize'));
  if (batch !== undefined && batch >= 1) limits['maxBatchSize'] = batch;
  note('maxEventBatchSize', 'limits.maxBatchSize');
  const clientRate = limit(get('maxClientEventsPerSecond'));
  if (clientRate !== undefined && clientRate >= 1) limits['maxClientEventsPerSecond'] = clientRate;
  // As the soketi apps table is read (src/apps/sql/soketi-table.ts): the same app, the same limit.
  else if (isUnlimited(get('maxClientEventsPerSecond')))
    limits['maxClientEventsPerSecond'] = UNLIMITED_CLIENT_EVENT_RATE;
  note(
    'maxClientEventsPerSecond',
    'limits.maxClientEventsPerSecond',
    `per connection in both; -1 (unlimited) becomes ${UNLIMITED_CLIENT_EVENT_RATE.toLocaleString('en')} per second, a rate no client reaches, since Herald has no unlimited setting`,
  );
  // Herald limits all HTTP API requests of an app together; soketi splits writes from reads.
  const writes = limit(get('maxBackendEventsPerSecond'));
  const reads = limit(get('maxReadRequestsPerSecond'));
  if (writes !== undefined && reads !== undefined) limits['maxApiRequestsPerSecond'] = writes + reads;
  const apiReason =
    writes !== undefined && reads !== undefined
      ? 'Herald has one limit for all HTTP API requests: the sum of the write and read limits'
      : 'Herald has one limit for all HTTP API requests; with the other kind unlimited in soketi it stays unlimited (0)';
  note('maxBackendEventsPerSecond', 'limits.maxApiRequestsPerSecond', apiReason);
  note('maxReadRequestsPerSecond', 'limits.maxApiRequestsPerSecond', apiReason);
  if (Object.keys(limits).length > 0) app['limits'] = limits;

  if (fields.has('webhooks')) app['webhooks'] = mapWebhooks(get('webhooks'), where, report);
  return app;
}
