/**
 * The spec's test vectors, loaded once for every test that uses them. test/fixtures/vectors.json is a
 * verbatim copy of shared/spec/vectors.json so that a clone runs without the spec beside it;
 * test/unit/vectors-fixture.test.ts keeps the copy honest.
 */
import { readFileSync } from 'node:fs';

export interface Vectors {
  credentials: { appId: string; key: string; secret: string; socketId: string };
  channelAuth: {
    channel: string;
    channel_data: string | null;
    stringToSign?: string;
    auth?: string;
    mustFailAgainst?: string;
    note?: string;
  }[];
  userAuth: { user_data: string; stringToSign: string; auth: string }[];
  httpApi: {
    method: string;
    path: string;
    body: string | null;
    body_md5: string | null;
    stringToSign: string;
    auth_signature: string;
    url: string;
    auth_timestamp: number;
    note?: string;
  }[];
  webhooks: { body: string; headers: Record<string, string> }[];
}

/** Where the copy lives, from dist/test/helpers. */
export const VECTORS_COPY = new URL('../../../test/fixtures/vectors.json', import.meta.url);

export const VECTORS = JSON.parse(readFileSync(VECTORS_COPY, 'utf8')) as Vectors;
