/** Socket ids (WS-05): two decimal integers joined by a dot, unguessable. */
import { randomInt } from 'node:crypto';

export const SOCKET_ID_PATTERN = /^\d+\.\d+$/;

/** A fresh CSPRNG socket id; about 2^66 possibilities, so collisions among live sockets are negligible. */
export function newSocketId(): string {
  return `${randomInt(1, 2 ** 47)}.${randomInt(1, 2 ** 47)}`;
}

export function isValidSocketId(id: unknown): id is string {
  return typeof id === 'string' && id.length <= 40 && SOCKET_ID_PATTERN.test(id);
}
