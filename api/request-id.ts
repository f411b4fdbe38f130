// Request ids (docs/production.md): the caller's `x-request-id` when it is a plain token, else a
// fresh UUID; answered on every response, bound to the request's log lines, and the `instance`
// of every problem (RFC 9457 §3.1.5) so a caller's report names the log lines of its failure.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';
/** The log lines' field for it (Fastify's requestIdLogLabel). */
export const REQUEST_ID_LOG_LABEL = 'requestId';

/**
 * What a caller's id may be: 1–128 of letters, digits and `._:-`. That covers UUIDs, ULIDs and
 * the ids proxies and tracers make, and keeps a header from putting spaces, quotes or control
 * characters in the logs or in a URN. Anything else is replaced, never trusted.
 */
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's genReqId: the caller's id when acceptable, else a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
}

/** A problem's `instance`: this occurrence, named by its request id (a URN, like the problem types). */
export const problemInstance = (requestId: string) => `urn:shenguan:request:${requestId}`;

/**
 * Answers the id on every response (set first, so a 404, a 429 or a refused body carries it
 * too) and adds it as `instance` to every problem+json body that has none.
 */
export function installRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
  });
  app.addHook('preSerialization', async (req, reply, payload: unknown) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/problem+json') && payload && typeof payload === 'object' && !('instance' in payload)) {
      return { ...payload, instance: problemInstance(req.id) };
    }
    return payload;
  });
}
