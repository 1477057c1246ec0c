/** Structured logs: JSON lines by default, pretty in a terminal. Never given secrets or payloads. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level, base: { pid: process.pid } });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
