/**
 * Test stand-ins for what sits in front of Herald in production: a TCP balancer that fails over, and a
 * self-signed certificate for 127.0.0.1.
 */
import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';

/** A TCP balancer (TLS passes through) that prefers node A and falls back to B when A refuses. */
export function startBalancer(portA: number, portB: number): Promise<net.Server> {
  const server = net.createServer((downstream) => {
    downstream.pause();
    const connect = (port: number, fallback: number | null) => {
      const upstream = net.connect(port, '127.0.0.1');
      upstream.once('connect', () => {
        downstream.pipe(upstream).pipe(downstream);
        downstream.resume();
      });
      upstream.once('error', () => {
        if (fallback !== null) connect(fallback, null);
        else downstream.destroy();
      });
      downstream.once('error', () => upstream.destroy());
      downstream.once('close', () => upstream.destroy());
    };
    connect(portA, portB);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Writes a one-day self-signed certificate for 127.0.0.1 into `dir`; returns the two PEM paths. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
