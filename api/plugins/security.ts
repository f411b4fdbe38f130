// What every request meets before its route: the per-client rate limit (answered as
// problem+json 429 by the error handler), helmet's security headers, and the refusal of
// U+0000, which PostgreSQL text cannot hold.
import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Verifier } from '../auth.js';
import { HttpProblem } from '../errors.js';
import { bearerToken } from './authentication.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The body is a file's bytes (a Buffer), exempt from the NUL check. */
    binaryBody?: boolean;
  }
}

/** The headers helmet sets with these options, as a plain map (helmet run once on a stand-in response). */
function helmetHeaders(options: Parameters<typeof helmet>[0]): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return headers;
}

/** The path of the first string containing U+0000, or null. */
function findNul(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : null;
  if (Buffer.isBuffer(value)) return value.includes(0) ? path || '(body)' : null; // a CSV upload
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}.${i}`);
      if (hit) return hit;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\0')}`;
      const hit = findNul(v, path ? `${path}.${k}` : k);
      if (hit) return hit;
    }
  }
  return null;
}

/**
 * The rate limit's key: the subject of a token already verified (so the callers behind one
 * proxy or NAT address do not share a limit), else the client address (TRUST_PROXY decides
 * whether X-Forwarded-For names it). A token not yet verified counts against its address.
 */
export function rateLimitKey(verifier: Verifier | undefined, req: FastifyRequest): string {
  const token = bearerToken(req.headers.authorization);
  const principal = token ? verifier?.known?.(token) : undefined;
  return principal ? `sub:${principal.sub}` : `ip:${req.ip}`;
}

export default fp<{ rateLimitMax: number; verifier: () => Verifier | undefined }>(
  async (app, { rateLimitMax, verifier }) => {
    // Runs in each route's onRequest hooks, before the token check (plugins/authentication.ts).
    await app.register(rateLimit, { max: rateLimitMax, timeWindow: '1 minute', keyGenerator: (req) => rateLimitKey(verifier(), req) });

    // Helmet's defaults on every answer; the CSP is left to Swagger UI's own page (staticCSP).
    // Without a per-request CSP nonce they are the same for every answer, so they are computed
    // once: @fastify/helmet built helmet's middleware again on every request.
    const securityHeaders = helmetHeaders({ contentSecurityPolicy: false });
    app.addHook('onRequest', (_req, reply, done) => {
      reply.headers(securityHeaders);
      done();
    });

    // Refused here, once for every route, so it can never reach an activity (where it would be
    // retried forever and stall the case). A file (POST /v1/documents) is bytes, NULs and all:
    // it is stored as bytea and never reaches a text column or a workflow.
    app.addHook('preValidation', async (req) => {
      const body = req.routeOptions.config.binaryBody ? undefined : req.body;
      const where = findNul({ body, query: req.query, params: req.params });
      if (where) throw new HttpProblem(400, 'validation', 'Invalid request', `${where}: contains a NUL character (U+0000)`);
    });
  },
  { name: 'security' },
);
