// The codec server the Temporal UI (and `temporal --codec-endpoint`) calls to show operators
// cases decoded (runtime/codec.ts): POST /codec/decode and /codec/encode with
// {"payloads": [{"metadata": {k: base64}, "data": base64}]}, the protocol of Temporal's codec
// servers. For operators only: the UI passes the operator's access token (ui-server's
// `codec.passAccessToken`). The dev server's UI has no login, so `npm start` alone sets
// CODEC_ALLOW_ANONYMOUS for the local demo; production never does. CORS admits the UI's origin.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Payload } from '@temporalio/common';
import { EncryptionCodec, payloadKeys } from '../../runtime/codec.js';
import { bearerToken } from '../plugins/authentication.js';
import { forbidden, problems, unauthorized } from '../errors.js';

const wirePayload = z.object({ metadata: z.record(z.string(), z.string().max(1024)).optional(), data: z.string().max(4_000_000).optional() });
const body = z.object({ payloads: z.array(wirePayload).max(1000) });

const toPayload = (p: z.infer<typeof wirePayload>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toWire = (p: Payload): z.infer<typeof wirePayload> => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

const codecRoutes: FastifyPluginAsyncZod = async (app) => {
  const env = app.config.env;
  const codec = new EncryptionCodec(payloadKeys(env));
  const uiOrigin = new URL(app.config.temporal.uiUrl).origin;

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/codec/')) return;
    void reply.header('access-control-allow-origin', uiOrigin).header('vary', 'origin').header('access-control-allow-credentials', 'true');
    if (req.method === 'OPTIONS') {
      return reply.header('access-control-allow-methods', 'POST').header('access-control-allow-headers', 'content-type, x-namespace, authorization').header('access-control-max-age', '600').code(204).send();
    }
  });

  /** The caller must be an operator (a decoded case carries the applicant's name and phone). */
  const operatorOnly = async (authorization: string | undefined) => {
    const token = bearerToken(authorization);
    if (!token) {
      if (env.CODEC_ALLOW_ANONYMOUS) return;
      throw unauthorized('an operator token is required to decode payloads');
    }
    const p = await app.verifier.verify(token).catch(() => undefined);
    if (!p) throw unauthorized('invalid token');
    if (p.role !== 'operator') throw forbidden('decoding payloads is for operators');
  };

  const schema = (operationId: string, summary: string) => ({ operationId, tags: ['service'], summary, body, response: { 200: body, ...problems(400, 401, 403) } });
  app.post('/codec/decode', { schema: schema('decodePayloads', 'Decode payloads for the Temporal UI (operators)') }, async (req) => {
    await operatorOnly(req.headers.authorization);
    return { payloads: (await codec.decode(req.body.payloads.map(toPayload))).map(toWire) };
  });
  app.post('/codec/encode', { schema: schema('encodePayloads', 'Encode payloads for the Temporal UI and CLI (operators)') }, async (req) => {
    await operatorOnly(req.headers.authorization);
    return { payloads: (await codec.encode(req.body.payloads.map(toPayload))).map(toWire) };
  });
  app.options('/codec/decode', { schema: { hide: true } }, async () => undefined);
  app.options('/codec/encode', { schema: { hide: true } }, async () => undefined);
};

export default codecRoutes;
