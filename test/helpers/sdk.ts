/**
 * The official `pusher` server SDK pointed at a test Herald: the one factory every test uses, plus the
 * small wrappers around it (status of a refused call, JSON posts, a marker trigger for barriers).
 */
import PusherServer from 'pusher';
import type { TestServer } from './server.js';

/** Base64 of bytes 00..1f: the spec's encryption master key (T-12), the default for every SDK here. */
export const MASTER_KEY_BASE64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

/** What the SDK needs of a server: where it listens and the app it signs for. */
export type SdkTarget = Pick<TestServer, 'port'> &
  Partial<Pick<TestServer, 'host'>> & { app: { id: string; key: string; secret: string } };

/** An SDK for the server's first app; `options` override any SDK option (appId, key, path, …). */
export function sdkFor(server: SdkTarget, options: Record<string, unknown> = {}): PusherServer {
  return new PusherServer({
    appId: server.app.id,
    key: server.app.key,
    secret: server.app.secret,
    host: server.host ?? '127.0.0.1',
    port: String(server.port),
    useTLS: false,
    encryptionMasterKeyBase64: MASTER_KEY_BASE64,
    ...options,
  });
}

/** The status and text body the SDK rejects with (it throws RequestError for status >= 400). */
export async function sdkStatus(call: Promise<{ status: number; text(): Promise<string> }>): Promise<{
  status: number;
  body: string;
}> {
  try {
    const res = await call;
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const e = err as { status?: number; body?: string; message?: string };
    if (e.status === undefined) throw err;
    return { status: e.status, body: e.body ?? '' };
  }
}

/** SDK `post` with an object body: the SDK JSON-encodes it, though its typings say string. */
export function sdkPost(
  sdk: PusherServer,
  path: string,
  body: object,
): Promise<{ status: number; json(): Promise<unknown> }> {
  return sdk.post({ path, body: body as unknown as string });
}

/** Triggers `event` on `channel`: the usual barrier for RawClient.receivedBefore and firedBefore. */
export function sdkMarker(server: SdkTarget, channel: string, event = 'marker'): () => Promise<unknown> {
  return () => sdkFor(server).trigger(channel, event, {});
}
