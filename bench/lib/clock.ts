/**
 * Wall-clock microseconds with sub-millisecond resolution. `performance.timeOrigin` is taken from the
 * system clock at process start, so stamps from different processes on one machine are comparable.
 */
import { performance } from 'node:perf_hooks';

const origin = performance.timeOrigin;

export function nowMicros(): number {
  return Math.round((origin + performance.now()) * 1000);
}

/**
 * Event payloads carry `@t=<intended send time µs>;` so the receiver can compute end-to-end latency
 * without parsing JSON. The marker survives JSON string escaping unchanged.
 */
export const STAMP = '@t=';
const STAMP_BYTES = Buffer.from(STAMP);

export function stampedData(intendedMicros: number, extra: string, padTo: number): string {
  const head = `${STAMP}${intendedMicros};${extra}`;
  return head.length >= padTo ? head : head + '.'.repeat(padTo - head.length);
}

/** Reads the stamp from a received frame, or -1 when the frame carries none. */
export function readStamp(buf: Buffer): number {
  const i = buf.indexOf(STAMP_BYTES);
  if (i < 0) return -1;
  let v = 0;
  for (let p = i + STAMP_BYTES.length; p < buf.length; p++) {
    const c = buf[p]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Reads an integer field `;<name>=<n>;` written by `stampedData`'s extra part, or -1. */
export function readField(buf: Buffer, marker: Buffer): number {
  const i = buf.indexOf(marker);
  if (i < 0) return -1;
  let v = 0;
  for (let p = i + marker.length; p < buf.length; p++) {
    const c = buf[p]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
  }
  return v;
}
