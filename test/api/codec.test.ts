// The codec server the Temporal UI calls: operators read payloads decoded; nobody else does;
// the UI's origin passes CORS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { approver, closeDatabase, database, testClient, testConfig, testDataConverter, tokenFor } from '../helpers.js';

let connection: Connection;
const apps: FastifyInstance[] = [];
const config = testConfig();
const applicant = { name: '连云港海州食品店', phone: '13700000002' };

async function app(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
  const c = testConfig(overrides);
  const a = await buildApp({ config: c, database: database(), temporal: testClient(connection), verifier: await createVerifier(c) });
  apps.push(a);
  return a;
}
const wire = (p: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null }) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await connection?.close();
  await closeDatabase();
});

describe('codec server', () => {
  it('decodes for an operator, refuses anyone else, and answers the UI origin a preflight', async () => {
    const api = await app();
    const [encrypted] = await testDataConverter().payloadCodecs![0]!.encode([defaultPayloadConverter.toPayload(applicant)]);
    const post = (url: string, token?: string) => api.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, payload: { payloads: [wire(encrypted!)] } });
    const operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
    const decoded = await post('/codec/decode', operator);
    expect(decoded.statusCode, decoded.body).toBe(200);
    const [p] = decoded.json().payloads as Array<{ metadata: Record<string, string>; data: string }>;
    expect(JSON.parse(Buffer.from(p!.data, 'base64').toString('utf8'))).toEqual(applicant);
    expect(Buffer.from(p!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect((await post('/codec/decode')).statusCode).toBe(401);
    expect((await post('/codec/decode', await tokenFor(config, approver))).statusCode).toBe(403);
    // Encode answers ciphertext the decoder reads back.
    const reencoded = (await post('/codec/encode', operator)).json().payloads[0];
    expect(Buffer.from(reencoded.metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    const preflight = await api.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: new URL(config.temporal.uiUrl).origin, 'access-control-request-method': 'POST' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(new URL(config.temporal.uiUrl).origin);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/authorization/);
  });

  it('answers without a token only where CODEC_ALLOW_ANONYMOUS is set (the local demo of npm start)', async () => {
    const open = await app({ CODEC_ALLOW_ANONYMOUS: 'true' });
    const [encrypted] = await testDataConverter().payloadCodecs![0]!.encode([defaultPayloadConverter.toPayload(applicant)]);
    const r = await open.inject({ method: 'POST', url: '/codec/decode', headers: { 'content-type': 'application/json' }, payload: { payloads: [wire(encrypted!)] } });
    expect(r.statusCode).toBe(200);
  });
});
