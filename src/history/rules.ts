/**
 * Which channels keep history: an app's rules, each a glob where `*` matches any run of characters.
 * The first rule that matches wins. Answers are cached per channel name (bounded), since the publish
 * path asks for every event.
 */
import type { AppConfig, HistoryRule } from '../config/config.js';

const CACHE_LIMIT = 10_000;

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

export class HistoryRules {
  private readonly compiled = new Map<string, { re: RegExp; rule: HistoryRule }[]>();
  private readonly cache = new Map<string, HistoryRule | null>();

  /** The rule for `channel` of `app`, or null when the channel keeps no history. */
  match(app: AppConfig, channel: string): HistoryRule | null {
    if (app.history.length === 0) return null;
    const key = `${app.id}\n${channel}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    let rules = this.compiled.get(app.id);
    if (!rules) {
      rules = app.history.map((rule) => ({ re: globToRegExp(rule.channels), rule }));
      this.compiled.set(app.id, rules);
    }
    const found = rules.find((r) => r.re.test(channel))?.rule ?? null;
    // Channel names are client-chosen: never let the cache grow without bound.
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(key, found);
    return found;
  }
}
