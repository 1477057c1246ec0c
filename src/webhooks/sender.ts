/**
 * One webhook request (WH-02, WH-03): POST of the exact body bytes with `Content-Type:
 * application/json` (no charset: pusher-http-node compares it exactly), `X-Pusher-Key` and
 * `X-Pusher-Signature` = HMAC-SHA256(secret, body). Anything but a 2xx within the deadline is a failure.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { redactUrl } from '../logging/redact-url.js';
import { signWebhook } from '../protocol/signatures.js';

export const WEBHOOK_ID_HEADER = 'X-Herald-Webhook-Id';
export const WEBHOOK_ATTEMPT_HEADER = 'X-Herald-Webhook-Attempt';

export interface WebhookRequest {
  url: string;
  appKey: string;
  appSecret: string;
  body: string;
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** Extra headers from the target's configuration; they cannot replace the signed ones. */
  headers?: Record<string, string>;
  timeoutMs: number;
}

/** How an attempt went; `excerpt` is the start of the answer's body (or the error), for the console. */
export type SendResult = { latencyMs: number; excerpt: string } & (
  | { ok: true; status: number }
  | { ok: false; status?: number; error: string }
);

/** Bytes of a receiver's answer kept for display. */
const EXCERPT_BYTES = 300;

export class WebhookSender {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 16 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly userAgent: string) {}

  send(req: WebhookRequest): Promise<SendResult> {
    let url: URL;
    const refuse = (error: string): Promise<SendResult> =>
      Promise.resolve({ ok: false, error, latencyMs: 0, excerpt: error });
    try {
      url = new URL(req.url);
    } catch {
      return refuse(`invalid URL ${redactUrl(req.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return refuse(`unsupported URL scheme ${url.protocol}`);
    }
    const body = Buffer.from(req.body);
    const headers: Record<string, string | number> = {
      ...req.headers,
      'User-Agent': this.userAgent,
      'Content-Type': 'application/json',
      'Content-Length': body.length,
      'X-Pusher-Key': req.appKey,
      'X-Pusher-Signature': signWebhook(req.appSecret, body),
      [WEBHOOK_ID_HEADER]: req.id,
      [WEBHOOK_ATTEMPT_HEADER]: String(req.attempt),
    };
    const secure = url.protocol === 'https:';
    const started = performance.now();
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      let excerpt = '';
      type Outcome = { ok: true; status: number } | { ok: false; status?: number; error: string };
      const done = (result: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const latencyMs = Math.round((performance.now() - started) * 10) / 10;
        resolve({ ...result, latencyMs, excerpt: excerpt || ('error' in result ? result.error : '') });
      };
      const request = (secure ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers, agent: secure ? this.https : this.http },
        (res) => {
          const status = res.statusCode ?? 0;
          // Read the answer to its end so the keep-alive socket can be reused; keep its start for display.
          let kept = 0;
          res.on('data', (chunk: Buffer) => {
            if (kept >= EXCERPT_BYTES) return;
            excerpt += chunk.subarray(0, EXCERPT_BYTES - kept).toString('utf8');
            kept += chunk.length;
          });
          res.on('end', () =>
            done(
              status >= 200 && status < 300
                ? { ok: true, status }
                : { ok: false, status, error: `HTTP ${status}` },
            ),
          );
          res.on('error', (err) => done({ ok: false, status, error: err.message }));
        },
      );
      const timer = setTimeout(() => {
        done({ ok: false, error: `no answer within ${req.timeoutMs} ms` });
        request.destroy();
      }, req.timeoutMs);
      request.on('error', (err: NodeJS.ErrnoException) =>
        done({ ok: false, error: err.code ?? err.message }),
      );
      request.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
