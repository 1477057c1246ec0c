/**
 * URLs as they may appear in logs and messages: credentials in the authority (`user:password@`) and
 * the values of secret-looking query or fragment parameters become `***`. Works on the text, so any
 * scheme (redis-sentinel://h1,h2/…) and unparseable input are handled, and the rest stays as written.
 */

const MASK = '***';
/** Parameter names whose values are credentials: token, access_token, api_key, secret, auth_signature… */
const SECRET_PARAM = /token|key|secret|sig|auth|pass|pwd|credential|session/i;
const AUTHORITY = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

function redactParams(params: string): string {
  return params
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      return SECRET_PARAM.test(decodeName(pair.slice(0, eq))) ? `${pair.slice(0, eq + 1)}${MASK}` : pair;
    })
    .join('&');
}

export function redactUrl(url: string): string {
  let out = url;
  const m = AUTHORITY.exec(url);
  if (m) {
    const authority = m[2]!;
    const at = authority.lastIndexOf('@');
    if (at >= 0) out = `${m[1]}${MASK}${authority.slice(at)}${url.slice(m[0].length)}`;
  }
  let fragment = '';
  const hash = out.indexOf('#');
  if (hash >= 0) {
    fragment = `#${redactParams(out.slice(hash + 1))}`;
    out = out.slice(0, hash);
  }
  const q = out.indexOf('?');
  if (q >= 0) out = `${out.slice(0, q + 1)}${redactParams(out.slice(q + 1))}`;
  return out + fragment;
}
