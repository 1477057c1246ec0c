/**
 * File descriptors: every connection is one, and at the process's limit accept() fails with EMFILE
 * (ENFILE: the whole machine's). Node gives no error to anyone but the server object, so without this
 * a node at its limit refused every new client and publisher while its logs and /ready said nothing
 * (issue 10).
 *
 * - At start the soft limit is raised to the hard limit. Node already does this itself when it starts
 *   (PlatformInit); if it could not, `prlimit` (util-linux) on our own pid is tried, and otherwise the
 *   banner tells the operator. No native addon: Node has no setrlimit.
 * - Running out is logged at error level (at most once per 10 s while it lasts), and recovery at warn.
 * - /ready answers 503 with the figures while the node is out of descriptors: it cannot accept the
 *   connections a load balancer would send it. It is ready again once the open descriptors fell below
 *   90% of the soft limit.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { Logger } from '../logging/logger.js';

export interface FdLimits {
  soft: number;
  hard: number;
}

/** RLIMIT_NOFILE of this process from /proc (Linux); null elsewhere. "unlimited" reads as Infinity. */
export function readFdLimits(): FdLimits | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const m = line ? /Max open files\s+(\S+)\s+(\S+)/.exec(line) : null;
    if (!m) return null;
    const num = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
    return { soft: num(m[1]!), hard: num(m[2]!) };
  } catch {
    return null;
  }
}

/** Open descriptors of this process (Linux), or null. Costs one directory read: not for hot paths. */
export function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return null;
  }
}

export interface RaiseResult {
  before: FdLimits | null;
  after: FdLimits | null;
  /** Why the soft limit is still below the hard one, when it is. */
  problem?: string;
}

/** Raises the soft limit to the hard limit if Node did not already. */
export function raiseFdLimit(): RaiseResult {
  const before = readFdLimits();
  if (!before || before.soft >= before.hard || !Number.isFinite(before.hard))
    return { before, after: before };
  try {
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`], {
      stdio: 'ignore',
      timeout: 2000,
    });
  } catch (err) {
    return { before, after: readFdLimits(), problem: `prlimit failed: ${(err as Error).message}` };
  }
  return { before, after: readFdLimits() };
}

/** Banner text for the limits, e.g. "file descriptors: soft limit 20000, hard limit 20000". */
export function describeFdLimits(r: RaiseResult): string {
  const { before, after } = r;
  if (!after) return 'file descriptors: limits unknown (no /proc/self/limits)';
  const fmt = (n: number) => (Number.isFinite(n) ? String(n) : 'unlimited');
  let text = `file descriptors: soft limit ${fmt(after.soft)}, hard limit ${fmt(after.hard)}`;
  if (before && before.soft !== after.soft) text += ` (soft raised from ${fmt(before.soft)})`;
  if (after.soft < after.hard) text += `; could not raise the soft limit (${r.problem ?? 'unknown'})`;
  return `${text}; each connection takes one`;
}

/** What /ready reports while the node is out of descriptors. */
export interface FdExhaustion {
  exhausted: true;
  since: string;
  /** Open descriptors (null when even the count could not be read: no descriptor left for it). */
  open: number | null;
  soft: number;
  hard: number;
}

/** Descriptors libuv and the count itself need: at `soft − MARGIN` open, accept() is failing. */
const MARGIN = 2;
const CHECK_MS = 1000;
const LOG_EVERY_MS = 10_000;

/**
 * Watches the descriptors of a listening server. At the limit libuv accepts and at once closes each
 * new connection (so the backlog drains) and tells JavaScript nothing, so exhaustion is found by
 * counting: a cheap count of the server's connections gates an exact count of /proc/self/fd, done at
 * most once a second and only near the limit.
 */
export class FdWatch {
  private readonly limits: FdLimits | null = readFdLimits();
  private readonly baseline = openFds() ?? 0;
  private connections = 0;
  private state: { since: number; open: number | null } | null = null;
  private lastLog = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a socket the server accepted, until it closes. */
  track(socket: { once(event: 'close', cb: () => void): unknown }): void {
    this.connections++;
    socket.once('close', () => {
      this.connections--;
    });
    if (!this.timer && this.near()) this.watch();
  }

  /** An error from the server or a socket: true when it was descriptor exhaustion (then recorded). */
  note(err: NodeJS.ErrnoException): boolean {
    if (err.code !== 'EMFILE' && err.code !== 'ENFILE') return false;
    this.enter(null, err.code);
    return true;
  }

  /** null when fine; the figures while out of descriptors. */
  exhaustion(): FdExhaustion | null {
    this.check();
    if (!this.state || !this.limits) return null;
    return {
      exhausted: true,
      since: new Date(this.state.since).toISOString(),
      open: this.state.open,
      soft: this.limits.soft,
      hard: this.limits.hard,
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The cheap estimate says the exact count is worth taking. */
  private near(): boolean {
    return this.limits !== null && this.baseline + this.connections >= this.limits.soft * 0.8;
  }

  private watch(): void {
    this.timer = setInterval(() => {
      this.check();
      if (!this.state && !this.near()) this.stop();
    }, CHECK_MS);
    this.timer.unref();
  }

  private check(): void {
    if (!this.limits) return;
    let open: number | null;
    try {
      open = readdirSync('/proc/self/fd').length;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // No descriptor left even to count them: that is the answer.
      if (code === 'EMFILE' || code === 'ENFILE') this.enter(null, code);
      return;
    }
    if (open >= this.limits.soft - MARGIN) {
      this.enter(open, 'EMFILE');
      return;
    }
    // Ready again below 90% of the limit, so a node at the edge does not flap.
    if (this.state && open < this.limits.soft * 0.9) {
      this.logger.warn(
        { openFds: open, softLimit: this.limits.soft },
        'file descriptors available again: accepting connections',
      );
      this.state = null;
    }
  }

  private enter(open: number | null, code: string): void {
    const now = this.now();
    if (this.state) this.state.open = open;
    else this.state = { since: now, open };
    if (!this.timer) this.watch();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.lastLog = now;
    this.logger.error(
      { code, openFds: open, softLimit: this.limits?.soft ?? null, hardLimit: this.limits?.hard ?? null },
      code === 'ENFILE'
        ? 'the machine is out of file descriptors (ENFILE): new connections are refused'
        : 'out of file descriptors (EMFILE): new connections are refused; raise the limit (ulimit -n, systemd LimitNOFILE) or add nodes',
    );
  }
}
