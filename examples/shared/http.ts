/**
 * What every example's server needs and is not the point of the example: a Herald embedded in the same
 * process, and three node:http helpers (JSON/form bodies, replies, errors with a status).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AppConfig, createHerald, type Herald, loadConfig } from 'herald';

export const HOST = '127.0.0.1';

export interface ExampleApp {
  id: string;
  key: string;
  secret: string;
}

/** Starts Herald for `app` on `HERALD_PORT` (default 6001; 0 picks a free port). */
export async function startHerald(
  app: ExampleApp,
  env: NodeJS.ProcessEnv,
  extra: Partial<Pick<AppConfig, 'clientEvents' | 'webhooks'>> = {},
): Promise<{ herald: Herald; port: number }> {
  const herald = createHerald(
    loadConfig({
      env: {},
      overrides: {
        host: HOST,
        port: Number(env.HERALD_PORT ?? 6001),
        log: { level: 'warn' },
        metrics: { enabled: false },
        console: { enabled: false },
        apps: [{ ...app, ...extra }],
      },
    }),
  );
  const { port } = await herald.listen();
  return { herald, port };
}

/** An error the client caused, with the HTTP status it gets. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10_000) throw new HttpError(413, 'body too large');
  }
  return body;
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(req);
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // falls through to the 400
  }
  throw new HttpError(400, 'body must be a JSON object');
}

export function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'Content-Type': type });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Replies to a failed request: the client's mistake with its status, anything else as a logged 502. */
export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof HttpError) {
    send(res, err.status, { error: err.message });
    return;
  }
  console.error(err);
  send(res, 502, { error: 'upstream failure' });
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Serves `route` on `PORT` (default 3000; 0 picks a free port); closing also runs `stop` (Herald's close). */
export async function serve(
  env: NodeJS.ProcessEnv,
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  stop: () => Promise<void>,
): Promise<RunningApp> {
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => sendError(res, err));
  });
  await new Promise<void>((resolve) => server.listen(Number(env.PORT ?? 3000), HOST, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await stop();
    },
  };
}

/** Runs an example from the command line: prints where it listens, stops cleanly on Ctrl-C. */
export async function runMain(name: string, start: () => Promise<RunningApp>, path = '/'): Promise<void> {
  const app = await start();
  console.log(`${name} listening on ${app.url} (open ${app.url}${path})`);
  const stop = () => app.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
