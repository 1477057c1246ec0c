/**
 * Which channels keep history: an app's rules, each a glob where `*` matches any run of characters.
 * The first rule that matches wins. Answers are cached per app object (an app store that reloads an
 * app hands out a new object, so changed rules apply at once) and per channel name, bounded, since the
 * publish path asks for every event.
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

interface Compiled {
  rules: { re: RegExp; rule: HistoryRule }[];
  byChannel: Map<string, HistoryRule | null>;
}

export class HistoryRules {
  private readonly apps = new WeakMap<AppConfig, Compiled>();

  /** The rule for `channel` of `app`, or null when the channel keeps no history. */
  match(app: AppConfig, channel: string): HistoryRule | null {
    if (app.history.length === 0) return null;
    let compiled = this.apps.get(app);
    if (!compiled) {
      compiled = {
        rules: app.history.map((rule) => ({ re: globToRegExp(rule.channels), rule })),
        byChannel: new Map(),
      };
      this.apps.set(app, compiled);
    }
    const hit = compiled.byChannel.get(channel);
    if (hit !== undefined) return hit;
    const found = compiled.rules.find((r) => r.re.test(channel))?.rule ?? null;
    // Channel names are client-chosen: never let the cache grow without bound.
    if (compiled.byChannel.size >= CACHE_LIMIT) compiled.byChannel.clear();
    compiled.byChannel.set(channel, found);
    return found;
  }
}
