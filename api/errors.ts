// One place maps every failure to application/problem+json (RFC 9457) with a readable reason:
// schema errors, auth, ownership, and the typed ApplicationFailures workflows refuse with.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { WorkflowUpdateFailedError, WorkflowNotFoundError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../workflows/contracts.js';
import { ConcurrentChange, withoutQueryParameters } from '../db/client.js';

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  /** This occurrence: `urn:shenguan:request:<x-request-id>` (api/request-id.ts), for a report to name. */
  instance: z.string().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** The response schemas of a route's refusals: `...problems(400, 401, 403)` in its `response`. */
export function problems<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof problemSchema } {
  return Object.fromEntries(statuses.map((s) => [s, problemSchema])) as { [K in S[number]]: typeof problemSchema };
}
/** What a route that acts through a workflow may answer besides success. */
export const workflowProblems = problems(400, 401, 403, 404, 409, 422, 503, 504);

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    /** Seconds for a Retry-After header (503s the caller may retry). */
    readonly retryAfter?: number,
  ) {
    super(detail);
  }
}

export const notFound = (what: string) => new HttpProblem(404, 'not-found', 'Not found', `${what} does not exist`);
export const forbidden = (detail: string) => new HttpProblem(403, 'forbidden', 'Forbidden', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'conflict', 'Conflict', detail);
export const unprocessable = (detail: string) => new HttpProblem(422, 'unprocessable', 'Unprocessable request', detail);
export const unauthorized = (detail: string) => new HttpProblem(401, 'unauthorized', 'Unauthorized', detail);

const FAILURE_STATUS: Record<FailureType, [number, string, string]> = {
  [FailureType.InvalidState]: [409, 'invalid-state', 'Not allowed in the current state'],
  [FailureType.Conflict]: [409, 'conflict', 'Conflict'],
  [FailureType.Forbidden]: [403, 'forbidden', 'Forbidden'],
  [FailureType.Invalid]: [422, 'unprocessable', 'Unprocessable request'],
  [FailureType.CatalogError]: [422, 'catalog', 'Catalog problem'],
};

/** gRPC status codes (grpc/status.h) the Temporal client surfaces. */
const GrpcStatus = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/**
 * The problem for a refused workflow update, or for the workflow service refusing, missing or
 * not confirming a call (503 busy/unavailable with Retry-After, 504 unconfirmed); null otherwise.
 */
export function problemFromWorkflowError(err: unknown): HttpProblem | null {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = FAILURE_STATUS[err.cause.type as FailureType];
    if (mapped) return new HttpProblem(mapped[0], mapped[1], mapped[2], err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(409, 'invalid-state', 'Not allowed in the current state', 'the process for this object has ended');
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return unconfirmed();
  const grpc = grpcErrorOf(err);
  const code = grpc?.code;
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) {
    // The server refused the call before applying it: e.g. too many actions in flight on one
    // case (history.maxInFlightUpdates) or a namespace rate limit.
    return new HttpProblem(503, 'busy', 'Busy', `the workflow service refused the action for now (${grpc!.details || 'resource exhausted'}); nothing was applied — retry shortly`, 1);
  }
  if (code === GrpcStatus.UNAVAILABLE) {
    return new HttpProblem(503, 'temporal-unavailable', 'Workflow service unavailable', 'the workflow service cannot be reached; retry shortly — repeating an action that did go through is answered 200 (same application) or 409, never applied twice', 5);
  }
  if (code === GrpcStatus.DEADLINE_EXCEEDED || code === GrpcStatus.CANCELLED) return unconfirmed();
  return null;
}

const unconfirmed = () =>
  new HttpProblem(504, 'unconfirmed', 'Not confirmed in time', 'the action was sent to the workflow service but not confirmed in time; it may have been applied — read the object before repeating it');

/** The gRPC error behind a Temporal client error (the error itself or a cause), if any. */
function grpcErrorOf(err: unknown): { code: number; details: string } | undefined {
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (isGrpcServiceError(e)) return e;
  }
  return undefined;
}

/**
 * Connection-level failures of PostgreSQL as postgres.js reports them (its own codes, and the
 * socket's errno), and the SQLSTATEs of a server that is shutting down, starting up, or out of
 * connections (class 08: connection exception; 57P01–57P03; 53300).
 */
const DATABASE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', '57P01', '57P02', '57P03', '53300']);

/**
 * The problem for a database that cannot be reached (restarting, down, out of connections):
 * 503 with Retry-After, as for the workflow service; 409 for a lost race (a conditional write
 * that found its row changed, a unique key taken meanwhile); null for any other error. drizzle wraps a
 * failed statement in an error whose cause is postgres.js's, so the chain is searched.
 */
export function problemFromDatabaseError(err: unknown): HttpProblem | null {
  if (err instanceof ConcurrentChange) return conflict(err.message);
  for (let e = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    // A unique key taken meanwhile (two requests creating the same thing at once): the loser
    // is told, without the values PostgreSQL's message would carry.
    if (code === '23505') return conflict(`already exists (${String((e as { constraint_name?: unknown }).constraint_name ?? 'a unique key')}): another request created it first`);
    if (typeof code === 'string' && (DATABASE_DOWN_CODES.has(code) || code.startsWith('08'))) {
      return new HttpProblem(503, 'database-unavailable', 'Database unavailable', 'the database cannot be reached; retry shortly — repeating an action that did go through is answered 200 (same application) or 409, never applied twice', 5);
    }
  }
  return null;
}

/**
 * The problem an action's error answers with, as the error handler maps it (an HttpProblem of a
 * route, a refused or unconfirmed workflow call, a database that cannot be reached); null for an
 * unexpected error. For answers that carry one status per object (the bulk claim).
 */
export function knownProblem(err: unknown): HttpProblem | null {
  if (err instanceof HttpProblem) return err;
  return problemFromWorkflowError(err) ?? problemFromDatabaseError(err);
}

const problem = (status: number, slug: string, title: string, detail: string, errors?: Problem['errors']): Problem => ({
  type: `urn:shenguan:problem:${slug}`,
  title,
  status,
  detail,
  ...(errors && { errors }),
});

export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).type('application/problem+json').send(problem(404, 'not-found', 'Not found', `no route ${req.method} ${req.url}`));
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const send = (p: Problem, retryAfter?: number) => {
      if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
      return reply.code(p.status).type('application/problem+json').send(p);
    };
    if (hasZodFastifySchemaValidationErrors(err)) {
      const at = (path: string) => `${err.validationContext ?? 'body'}${path === '/' ? '' : path.replaceAll('/', '.')}`;
      const errors = err.validation.flatMap((v) => {
        // An unknown field is named by its own path, not its parent's.
        const keys = v.keyword === 'unrecognized_keys' ? ((v.params as { keys?: string[] }).keys ?? []) : [];
        if (keys.length > 0) return keys.map((k) => ({ field: `${at(v.instancePath)}.${k}`, message: `unknown field '${k}'` }));
        return [{ field: at(v.instancePath), message: v.message ?? 'invalid' }];
      });
      return send(problem(400, 'validation', 'Invalid request', errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors));
    }
    if (err instanceof HttpProblem) return send(problem(err.status, err.slug, err.title, err.message), err.retryAfter);
    const wf = problemFromWorkflowError(err);
    if (wf) {
      if (wf.status >= 500) req.log.warn({ err }, `workflow service: ${wf.slug}`);
      return send(problem(wf.status, wf.slug, wf.title, wf.message), wf.retryAfter);
    }
    const dbDown = problemFromDatabaseError(err);
    if (dbDown) {
      if (dbDown.status >= 500) req.log.warn({ err: withoutQueryParameters(err) }, 'database unavailable');
      return send(problem(dbDown.status, dbDown.slug, dbDown.title, dbDown.message), dbDown.retryAfter);
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response does not match its schema');
      return send(problem(500, 'internal', 'Internal error', 'the response did not match its contract'));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own 4xx: body too large, bad JSON, unsupported media type, rate limit.
      return send(problem(err.statusCode, (err.code ?? 'bad-request').toLowerCase(), 'Bad request', err.message));
    }
    req.log.error({ err: withoutQueryParameters(err) }, 'unhandled error');
    return send(problem(500, 'internal', 'Internal error', 'an internal error occurred; it has been logged'));
  });
}
