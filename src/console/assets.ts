/**
 * The front end's files, served from the package itself (the console works offline): the compiled
 * browser modules and stylesheet beside this file in `web/`, and uPlot's distribution files.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { ConsoleRoute } from './server.js';

const WEB_DIR = new URL('./web/', import.meta.url);
const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** Files outside `web/`, by the name the pages use. */
const VENDOR: Record<string, () => string> = {
  'uPlot.esm.js': () => require.resolve('uplot/dist/uPlot.esm.js'),
  'uPlot.min.css': () => require.resolve('uplot/dist/uPlot.min.css'),
};

/** Only flat names: nothing outside the two places above can be asked for. */
const NAME = /^\/assets\/([A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)*\.(js|css))$/;

export class Assets {
  private readonly cache = new Map<string, Buffer>();

  private async file(name: string): Promise<Buffer | null> {
    const hit = this.cache.get(name);
    if (hit) return hit;
    const vendor = VENDOR[name];
    try {
      const body = await readFile(vendor ? vendor() : new URL(name, WEB_DIR));
      this.cache.set(name, body);
      return body;
    } catch {
      return null;
    }
  }

  private async serve(res: ServerResponse, name: string, ext: string): Promise<boolean> {
    const body = await this.file(name);
    if (!body) return false;
    res.writeHead(200, {
      'Content-Type': TYPES[ext] ?? 'application/octet-stream',
      'Content-Length': body.length,
      // Files change only with the package; a restart may bring a new one.
      'Cache-Control': 'no-cache',
    });
    res.end(body);
    return true;
  }

  /** Every asset, for authenticated requests. */
  readonly route: ConsoleRoute = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    if (req.method !== 'GET') return false;
    const m = NAME.exec(url.pathname);
    return m ? this.serve(res, m[1]!, m[2]!) : false;
  };

  /** The stylesheet the login form needs before anyone has the token. */
  readonly publicRoute: ConsoleRoute = (req: IncomingMessage, res: ServerResponse, url: URL) =>
    req.method === 'GET' && url.pathname === '/assets/console.css'
      ? this.serve(res, 'console.css', 'css')
      : false;
}
