/** Structured logs: JSON lines by default, pretty in a terminal. Never given secrets or payloads. */
import { pino } from 'pino';
import { redactUrl } from './redact-url.js';

/** Belt and braces: whatever object ends up in a log line, these fields never leave the process. */
const REDACT = {
  paths: [
    'secret',
    '*.secret',
    'auth',
    '*.auth',
    'auth_signature',
    '*.auth_signature',
    'passphrase',
    '*.passphrase',
    'url',
    '*.url',
  ],
  // URLs keep their host and path for diagnosis; only their credentials go (src/logging/redact-url.ts).
  censor: (value: unknown, path: string[]) =>
    path[path.length - 1] === 'url' && typeof value === 'string' ? redactUrl(value) : '[redacted]',
};

export type Logger = pino.Logger;

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      redact: REDACT,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level, redact: REDACT, base: { pid: process.pid } });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
