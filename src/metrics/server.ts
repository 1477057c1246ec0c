/**
 * The metrics listener: its own port (default 127.0.0.1:9601) so scrapes never share a port, a
 * rate limit or a TLS setup with clients, and the endpoint stays private unless the operator opens it.
 */
import { createServer, type Server } from 'node:http';

/** What the listener serves: one node's registry, or the primary's aggregate of its workers. */
export interface Scrapable {
  scrape(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

export async function serveMetrics(metrics: Scrapable, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.method === 'GET' || req.method === 'HEAD') && path === '/metrics') {
      metrics.scrape().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': metrics.contentType });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`metrics collection failed: ${(err as Error).message}\n`);
        },
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('Not found: metrics are served at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(
              `metrics port ${host}:${port} is in use: set metrics.port (HERALD_METRICS_PORT) or disable metrics (HERALD_METRICS=false)`,
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
