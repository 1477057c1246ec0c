/**
 * The Herald Console of one node: its listener, its token, and the routes behind it. Built by the
 * composition root when `console.enabled`; other modules add routes through `ConsoleRoute`.
 */
import type { NodeContext } from '../node-context.js';
import { Assets } from './assets.js';
import { generateToken } from './auth.js';
import { sendJson, sendText } from './http.js';
import { shellPage } from './pages.js';
import { type ConsoleListener, type ConsoleRoute, serveConsole } from './server.js';

export interface ConsoleOptions {
  ctx: NodeContext;
  /** Routes added by other modules, tried after the console's own. */
  extraRoutes?: readonly ConsoleRoute[];
}

export class HeraldConsole {
  readonly token: string;
  /** True when no token was configured and this one was made at start (the banner prints it). */
  readonly generated: boolean;
  private listener: ConsoleListener | null = null;
  private readonly assets = new Assets();

  constructor(private readonly opts: ConsoleOptions) {
    const configured = opts.ctx.config.console.token;
    this.token = configured ?? generateToken();
    this.generated = configured === undefined;
  }

  async listen(): Promise<ConsoleListener> {
    const { config, logger, now } = this.opts.ctx;
    this.listener = await serveConsole({
      host: config.console.host,
      port: config.console.port,
      token: this.token,
      routes: [this.shell, this.assets.route, this.info, ...(this.opts.extraRoutes ?? [])],
      publicAsset: this.assets.publicRoute,
      logger,
      now,
    });
    return this.listener;
  }

  async close(): Promise<void> {
    await this.listener?.close();
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
    sendJson(res, 200, {
      node: adapter.nodeId,
      cluster: config.adapter.driver === 'redis',
      apps: config.apps.map((a) => ({ id: a.id, key: a.key, enabled: a.enabled })),
    });
    return true;
  };
}
