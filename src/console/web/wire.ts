/**
 * The JSON the console's server sends its pages, declared once: the server builds these shapes
 * (src/console) and the browser modules here read them.
 */

export type LogLevel = 'ok' | 'bad' | 'warn';

/** One line of the event log. */
export interface LogEntry {
  /** Milliseconds since the epoch. */
  t: number;
  kind: string;
  app: string | null;
  channel?: string;
  socket?: string;
  user?: string;
  event?: string;
  /** A one-line description. */
  text: string;
  /** A payload or answer, cut short. */
  data?: string;
  level?: LogLevel;
}

export interface AppSample {
  connections: number;
  /** Channels with a subscriber on this node. */
  channels: number;
  /** Events that entered through this node in the last second (API triggers per channel, client events). */
  msgIn: number;
  /** Frames written to this node's sockets in the last second. */
  msgOut: number;
  webhookOk: number;
  webhookFail: number;
}

/** One node's second. */
export interface NodeSample {
  node: string;
  /** End of the second it covers, ms since the epoch. */
  t: number;
  apps: Record<string, AppSample>;
}

/** A connection of a user, on any node. */
export interface UserConnection {
  node: string;
  socket: string;
  ip: string;
  openedAt: number;
  signedIn: boolean;
  channels: string[];
}
