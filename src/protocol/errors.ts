/**
 * Every error Herald can report, declared once.
 *
 * A kind carries what the wire needs: the Pusher code (`null` where Pusher itself sends `code:null`),
 * whether the WebSocket closes with that code, and the HTTP status when it surfaces on the HTTP API.
 * `src/connections/wire-errors.ts` and `src/http-api/errors.ts` are the only places that render these.
 */

export interface ErrorKind {
  /** Pusher error code sent in `pusher:error` data, or null (Pusher sends null for channel-level errors). */
  readonly code: number | null;
  /** When set, the connection is closed with this WebSocket close code after the `pusher:error`. */
  readonly close: number | null;
  /** HTTP status when this error answers an HTTP API request. */
  readonly status: number;
  readonly message: string;
}

function kind(code: number | null, close: number | null, status: number, message: string): ErrorKind {
  return { code, close, status, message };
}

export const ErrorKinds = {
  // Connection refusals (WS-07..WS-11): error then close with the same code.
  tlsRequired: kind(4000, 4000, 403, 'Application only accepts SSL connections, reconnect using wss://'),
  unknownApp: kind(4001, 4001, 404, 'Application does not exist'),
  appDisabled: kind(4003, 4003, 403, 'Application disabled'),
  overQuota: kind(4004, 4004, 403, 'Application is over connection quota'),
  pathNotFound: kind(4005, 4005, 404, 'Path not found'),
  invalidVersion: kind(4006, 4006, 400, 'Invalid version string format'),
  unsupportedProtocol: kind(4007, 4007, 400, 'Unsupported protocol version'),
  noProtocol: kind(4008, 4008, 400, 'No protocol version supplied'),
  unauthorized: kind(4009, 4009, 401, 'Connection is unauthorized'),
  authTimeout: kind(4009, 4009, 401, 'Connection not authorized within timeout'),
  userTerminated: kind(4009, 4009, 200, 'Connection terminated by the application'),
  overCapacity: kind(4100, 4100, 503, 'Over capacity'),
  slowConsumer: kind(4100, 4100, 503, 'Connection too slow to keep up, reconnect with back-off'),
  appStoreUnavailable: kind(4100, 4100, 503, 'App store unavailable, reconnect with back-off'),
  reconnect: kind(4200, 4200, 503, 'Server shutting down, reconnect immediately'),
  pongTimeout: kind(4201, 4201, 408, 'Pong reply not received'),

  // Non-closing errors (pusher:error with the connection kept open).
  clientEventRateLimit: kind(4301, null, 429, 'Client event rejected due to rate limit'),
  watchlistLimit: kind(
    4302,
    null,
    400,
    'Watchlist limit exceeded. Only the first 100 user IDs are accepted.',
  ),
  invalidJson: kind(null, null, 400, 'Invalid JSON'),
  jsonTooDeep: kind(null, null, 400, 'JSON nested too deeply'),
  invalidMessage: kind(null, null, 400, 'Invalid message format'),
  frameTooLarge: kind(null, null, 413, 'Message too large'),
  invalidChannel: kind(null, null, 400, 'Invalid channel name'),
  alreadySubscribed: kind(null, null, 400, 'Existing subscription to channel'),
  authRequired: kind(null, null, 401, 'Auth info required to subscribe'),
  invalidKey: kind(null, null, 401, 'Invalid key in subscription auth data'),
  invalidSignature: kind(null, null, 401, 'Invalid signature'),
  invalidChannelData: kind(null, null, 400, 'Invalid channel_data'),
  presenceLimit: kind(null, null, 400, 'Presence channel member limit reached'),
  presenceUserTooLarge: kind(null, null, 400, 'Presence user_info too large'),
  presenceUserIdTooLong: kind(null, null, 400, 'Presence user_id too long'),
  notSignedIn: kind(null, null, 401, 'Presence subscription without channel_data requires sign-in'),
  serverToUserForbidden: kind(null, null, 403, 'Only the signed-in user may subscribe to this channel'),
  clientEventsDisabled: kind(
    null,
    null,
    403,
    'To send client events, you must enable this feature in the Settings page of your dashboard.',
  ),
  clientEventChannel: kind(
    null,
    null,
    400,
    'Client events are only supported on private and presence channels',
  ),
  clientEventNotSubscribed: kind(null, null, 400, 'Cannot broadcast client event'),
  clientEventTooLarge: kind(null, null, 413, 'Client event data too large'),
  invalidEventName: kind(null, null, 400, 'Invalid event name'),
  signinFailed: kind(null, null, 401, 'Sign-in failed'),
  signinDisabled: kind(null, null, 403, 'User authentication is not enabled for this app'),
  signinOtherUser: kind(null, null, 400, 'Connection is already signed in as another user'),

  // HTTP API only.
  badRequest: kind(null, null, 400, 'Bad request'),
  authFailed: kind(null, null, 401, 'Authentication failed'),
  forbidden: kind(null, null, 403, 'Forbidden'),
  notFound: kind(null, null, 404, 'Not found'),
  methodNotAllowed: kind(null, null, 405, 'Method not allowed'),
  conflict: kind(null, null, 409, 'Conflict'),
  payloadTooLarge: kind(null, null, 413, 'Payload too large'),
  requestTimeout: kind(null, null, 408, 'Request body not received in time'),
  rateLimited: kind(null, null, 429, 'Too many requests'),
  notReady: kind(null, null, 503, 'Not ready'),
  clusterUnavailable: kind(
    null,
    null,
    503,
    'Cannot reach the other nodes (Redis unavailable): event not published, retry after Retry-After',
  ),
  internal: kind(null, null, 500, 'Internal server error'),
} as const satisfies Record<string, ErrorKind>;

export type ErrorKindName = keyof typeof ErrorKinds;

/** An error that knows how it appears on the wire. `detail` replaces the default message when given. */
export class HeraldError extends Error {
  readonly kind: ErrorKindName;
  readonly code: number | null;
  readonly close: number | null;
  readonly status: number;
  /** Channel the error concerns, for errors raised while handling a channel message. */
  readonly channel: string | undefined;

  constructor(kindName: ErrorKindName, detail?: string, channel?: string) {
    const k = ErrorKinds[kindName];
    super(detail ?? k.message);
    this.name = 'HeraldError';
    this.kind = kindName;
    this.code = k.code;
    this.close = k.close;
    this.status = k.status;
    this.channel = channel;
  }
}

export function isHeraldError(err: unknown): err is HeraldError {
  return err instanceof HeraldError;
}
