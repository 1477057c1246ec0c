/**
 * What the socket enforces for inbound messages, derived from `maxFrameBytes` so one setting governs
 * all three thresholds (docs/deployment.md states them):
 *
 *   up to maxFrameBytes           handled
 *   up to 4 × maxFrameBytes       read, then refused with a non-closing pusher:error (a client bug, told politely)
 *   beyond 4 × maxFrameBytes      cut by ws while reading: close 1009, nothing buffered past the cap
 *   more than cap / 64 fragments  cut by ws: close 1008 (zero-byte fragments cost work without bytes)
 */

/** Messages up to this multiple of maxFrameBytes are read and answered; larger ones close the socket. */
export const POLITE_FACTOR = 4;
/** The smallest average fragment a message may be split into before the fragment cap closes it. */
export const MIN_AVERAGE_FRAGMENT_BYTES = 64;

export interface FrameLimits {
  /** ws `maxPayload`: bytes of one message, fragments included (1009 past it). */
  readonly maxPayload: number;
  /** ws `maxFragments`: fragments of one message (1008 past it). */
  readonly maxFragments: number;
}

export function frameLimits(maxFrameBytes: number): FrameLimits {
  const maxPayload = POLITE_FACTOR * maxFrameBytes;
  return { maxPayload, maxFragments: Math.ceil(maxPayload / MIN_AVERAGE_FRAGMENT_BYTES) };
}
