#!/usr/bin/env node
// Container healthcheck: exits 0 when GET /ready answers 200 on this node's own port.
// Reads the same HERALD_PORT / HERALD_SSL_CERT the server does; with TLS the certificate is not
// verified because the check talks to 127.0.0.1, not to the name on the certificate.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const port = Number(process.env.HERALD_PORT || 6001);
const prefix = process.env.HERALD_PATH_PREFIX || '';
const tls = Boolean(process.env.HERALD_SSL_CERT);
const request = tls ? httpsRequest : httpRequest;

const req = request(
  { host: '127.0.0.1', port, path: `${prefix}/ready`, timeout: 2000, rejectUnauthorized: false },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', () => process.exit(1));
req.end();
