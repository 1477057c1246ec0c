/**
 * JSON from outside (frames, API bodies, channel_data, user_data) is parsed only after a scan proves it
 * nests no deeper than a limit. V8's JSON.parse copes with any depth, but everything after it that walks
 * the value (JSON.stringify, String(), size checks) recurses and overflows the stack near a few thousand
 * levels: refusing first keeps a hostile 10 KB frame as cheap as a flat one.
 *
 * The scan walks brackets only; strings are skipped with indexOf, so a payload of long strings costs a
 * few native searches. Its answer is exact for valid JSON, and anything else fails JSON.parse anyway.
 */

/** Default depth limit: far beyond real payloads, far below what recursion over the value survives. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** True when the text opens more than `max` nested objects or arrays (strings do not count). */
export function nestsDeeperThan(text: string, max: number): boolean {
  // Each level needs an opening bracket: a text shorter than the limit cannot exceed it.
  if (text.length <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump to the closing quote: one not preceded by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j < 0) return false; // unterminated string: JSON.parse refuses it
        let k = j - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: 'syntax' | 'depth' };

/** JSON.parse behind the depth scan; errors are data so each caller maps them to its own wire error. */
export function parseJson(text: string, maxDepth: number): JsonResult {
  if (nestsDeeperThan(text, maxDepth)) return { ok: false, reason: 'depth' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'syntax' };
  }
}
