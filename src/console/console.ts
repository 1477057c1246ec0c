/**
 * The Herald Console of one node: its listener, its token, the routes behind it, and the tap on the
 * server-event stream that feeds it. The tap exists only while a page is open (or another node's
 * console asks for this node's figures, or for `LINGER_MS` after the last page closed, so a reload
 * keeps its charts): with no one watching, the console costs nothing on the hot path.
 */
import type { AppConfig } from '../config/config.js';
import type { ServerEvent } from '../events/server-events.js';
import type { HttpApi } from '../http-api/router.js';
import type { NodeContext } from '../node-context.js';
import type { Webhooks } from '../webhooks/webhooks.js';
import { channelRoutes, localUserConnections } from './api-channels.js';
import { publishRoute } from './api-publish.js';
import { webhookRoutes } from './api-webhooks.js';
import { Assets } from './assets.js';
import { generateToken } from './auth.js';
import { ConsoleFeed } from './feed.js';
import { sendJson, sendText } from './http.js';
import { LOG_KINDS, parseFilter, toEntry } from './log-entry.js';
import { shellPage } from './pages.js';
import { ConsolePeers } from './peers.js';
import { type ConsoleListener, type ConsoleRoute, serveConsole } from './server.js';
import { type NodeSample, StatsHistory, StatsSampler } from './stats.js';
import { WatchState } from './watch-state.js';

const LINGER_MS = 15_000;
/** How long another node's "want" keeps this node sampling. */
const REMOTE_WANT_MS = 5000;
const WANT_EVERY_MS = 2000;
const APPS_EVERY_MS = 5000;

export interface ConsoleOptions {
  ctx: NodeContext;
  api: HttpApi;
  webhooks: Webhooks | null;
  /** Every app of the store (the console lists apps a database may change at any time). */
  listApps: () => Promise<AppConfig[]>;
  /** Routes added by other modules, tried after the console's own. */
  extraRoutes?: readonly ConsoleRoute[];
}

export class HeraldConsole {
  readonly token: string;
  /** True when no token was configured and this one was made at start (the banner prints it). */
  readonly generated: boolean;
  private listener: ConsoleListener | null = null;
  private readonly assets = new Assets();
  private readonly state = new WatchState();
  private readonly history = new StatsHistory();
  private readonly feed: ConsoleFeed;
  private readonly sampler: StatsSampler;
  private readonly peers: ConsolePeers | null;
  private untap: (() => void) | null = null;
  private lingerUntil = 0;
  private remoteWantUntil = 0;
  private recheck: NodeJS.Timeout | null = null;
  private wantTimer: NodeJS.Timeout | null = null;
  private appList: readonly AppConfig[];
  private appsTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ConsoleOptions) {
    const { ctx } = opts;
    this.appList = ctx.config.apps;
    const configured = ctx.config.console.token;
    this.token = configured ?? generateToken();
    this.generated = configured === undefined;
    this.feed = new ConsoleFeed({
      watching: (n) => {
        if (n === 0) this.lingerUntil = ctx.now() + LINGER_MS;
        this.update();
      },
      userOf: this.state.userOf,
    });
    this.sampler = new StatsSampler(
      ctx.adapter.nodeId,
      ctx.hub,
      () => this.apps().map((a) => a.id),
      ctx.now,
      (s) => this.sampled(s),
    );
    const redisUrl = ctx.config.adapter.driver === 'redis' ? ctx.config.adapter.redisUrl : undefined;
    this.peers = redisUrl
      ? new ConsolePeers(
          redisUrl,
          ctx.config.adapter.prefix,
          ctx.adapter.nodeId,
          {
            wanted: () => {
              this.remoteWantUntil = ctx.now() + REMOTE_WANT_MS;
              this.update();
            },
            sample: (s) => {
              if (this.feed.count === 0) return;
              this.history.add(s);
              this.feed.sample(s);
            },
            answer: (q) => localUserConnections(ctx.hub, ctx.adapter.nodeId, q.app, q.user),
          },
          ctx.logger,
        )
      : null;
  }

  async listen(): Promise<ConsoleListener> {
    const { config, logger, now } = this.opts.ctx;
    this.peers?.start();
    this.listener = await serveConsole({
      host: config.console.host,
      port: config.console.port,
      token: this.token,
      routes: [
        this.shell,
        this.assets.route,
        this.info,
        this.feedRoute,
        ...channelRoutes(this.opts.ctx, () => this.apps().map((a) => a.id), this.state, this.peers),
        publishRoute(this.opts.api, config),
        ...webhookRoutes(config, () => this.apps(), this.opts.webhooks, this.state),
        ...(this.opts.extraRoutes ?? []),
      ],
      publicAsset: this.assets.publicRoute,
      logger,
      now,
    });
    return this.listener;
  }

  async close(): Promise<void> {
    this.feed.closeAll();
    this.lingerUntil = 0;
    this.remoteWantUntil = 0;
    this.update();
    await this.listener?.close();
    await this.peers?.close();
  }

  /** True while the console taps the event stream (tests check it stays off with no one watching). */
  get tapping(): boolean {
    return this.untap !== null;
  }

  /** The apps as last read from the store: re-read every few seconds while someone watches. */
  private apps(): readonly AppConfig[] {
    return this.appList;
  }

  private async refreshApps(): Promise<readonly AppConfig[]> {
    try {
      this.appList = await this.opts.listApps();
    } catch {
      // The store is away: keep showing the apps last read.
    }
    return this.appList;
  }

  /** Starts or stops the tap, the sampler and the wants to other nodes, from who is watching. */
  private update(): void {
    const now = this.opts.ctx.now();
    const local = this.feed.count > 0;
    const wanted = local || now < this.lingerUntil || now < this.remoteWantUntil;
    if (wanted && !this.untap) {
      this.state.start(now);
      this.untap = this.opts.ctx.events.tap(this.onEvent);
      this.sampler.start();
      this.appsTimer = setInterval(() => void this.refreshApps(), APPS_EVERY_MS);
      this.appsTimer.unref();
    } else if (!wanted && this.untap) {
      this.untap();
      this.untap = null;
      this.sampler.stop();
      if (this.appsTimer) clearInterval(this.appsTimer);
      this.appsTimer = null;
      this.state.clear();
      this.history.clear();
    }
    if (this.recheck) clearTimeout(this.recheck);
    this.recheck = null;
    if (wanted && !local) {
      const at = Math.max(this.lingerUntil, this.remoteWantUntil);
      this.recheck = setTimeout(() => this.update(), Math.max(0, at - now) + 10);
      this.recheck.unref();
    }
    if (local && this.peers && !this.wantTimer) {
      this.peers.want();
      this.wantTimer = setInterval(() => this.peers?.want(), WANT_EVERY_MS);
      this.wantTimer.unref();
    } else if (!local && this.wantTimer) {
      clearInterval(this.wantTimer);
      this.wantTimer = null;
    }
  }

  private readonly onEvent = (e: ServerEvent): void => {
    const now = this.opts.ctx.now();
    this.sampler.count(e);
    this.state.note(e, now);
    if (this.feed.count === 0) return;
    const entry = toEntry(e, now);
    if (entry) this.feed.offer(entry);
  };

  private sampled(s: NodeSample): void {
    this.history.add(s);
    this.feed.sample(s);
    if (this.opts.ctx.now() < this.remoteWantUntil) this.peers?.publishSample(s);
  }

  private readonly shell: ConsoleRoute = (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/') return false;
    sendText(res, 200, 'text/html; charset=utf-8', shellPage());
    return true;
  };

  /** What the front end needs to draw itself: this node, the apps it serves, whether it is clustered. */
  private readonly info: ConsoleRoute = async (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/info') return false;
    const { adapter, config } = this.opts.ctx;
    const apps = await this.refreshApps();
    sendJson(res, 200, {
      node: adapter.nodeId,
      cluster: config.adapter.driver === 'redis',
      apps: apps.map((a) => ({
        id: a.id,
        key: a.key,
        enabled: a.enabled,
        webhooks: a.webhooks.length,
      })),
      kinds: LOG_KINDS,
      webhooksDurable: this.opts.webhooks?.queue.durable ?? false,
    });
    return true;
  };

  private readonly feedRoute: ConsoleRoute = (req, res, url) => {
    if (req.method !== 'GET' || url.pathname !== '/api/feed') return false;
    const { adapter, now } = this.opts.ctx;
    this.history.prune(now());
    this.feed.open(
      req,
      res,
      parseFilter(url.searchParams),
      { node: adapter.nodeId, since: now() },
      this.history.all(),
    );
    return true;
  };
}
