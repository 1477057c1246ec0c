/**
 * The request target of an API call, parsed once per request. Almost every SDK sends a plain path and
 * a query of `k=v` pairs without escapes; those are split by hand, which costs a fraction of
 * `new URL()` plus `URLSearchParams`. Anything else (escapes, `+`, dot segments, absolute form, a
 * fragment) goes through the WHATWG parsers, so both routes give the same path and parameters.
 */

/** What the handlers and the signature check read from a query: URLSearchParams fits too. */
export interface QueryParams extends Iterable<[string, string]> {
  get(name: string): string | null;
}

/**
 * Query parameters in request order, keys lowercased: API-03 signs lowercased keys, and Pusher's
 * verifier reads `AUTH_KEY` as `auth_key`, so the checks and the handlers see the names that were signed.
 */
export class ApiQuery implements QueryParams {
  constructor(readonly pairs: readonly [string, string][]) {}

  get(name: string): string | null {
    for (const p of this.pairs) if (p[0] === name) return p[1];
    return null;
  }

  [Symbol.iterator](): Iterator<[string, string]> {
    return this.pairs[Symbol.iterator]();
  }
}

export interface RequestTarget {
  /** The path as `new URL()` would give it (not percent-decoded). */
  path: string;
  query: ApiQuery;
}

/** Characters the URL parser leaves as they are in a path (no `%`, so no escapes to normalise). */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;
/** Characters that URLSearchParams would take literally (no `%` escapes, no `+` for a space). */
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$'()*,;:@/?=&]*$/;

export function parseQuery(raw: string): ApiQuery {
  const pairs: [string, string][] = [];
  if (PLAIN_QUERY.test(raw)) {
    let start = 0;
    while (start <= raw.length) {
      let end = raw.indexOf('&', start);
      if (end < 0) end = raw.length;
      if (end > start) {
        const eq = raw.indexOf('=', start);
        const pair: [string, string] =
          eq < 0 || eq > end ? [raw.slice(start, end), ''] : [raw.slice(start, eq), raw.slice(eq + 1, end)];
        pair[0] = pair[0].toLowerCase();
        pairs.push(pair);
      }
      start = end + 1;
    }
  } else {
    // The constructor drops one leading `?`; here a `?` is data (`/x??a=1` has the key `?a`), so give it one.
    for (const [k, v] of new URLSearchParams(`?${raw}`)) pairs.push([k.toLowerCase(), v]);
  }
  return new ApiQuery(pairs);
}

/** Splits `req.url` into the path and the parsed query. */
export function parseTarget(url: string): RequestTarget {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path) && !url.includes('#')) {
    return { path, query: parseQuery(q < 0 ? '' : url.slice(q + 1)) };
  }
  const u = new URL(url, 'http://localhost');
  return { path: u.pathname, query: parseQuery(u.search.slice(1)) };
}
