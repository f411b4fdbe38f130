// One place maps every failure to application/problem+json (RFC 9457) with a readable reason:
// schema errors, auth, ownership, and the typed ApplicationFailures workflows refuse with.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { WorkflowUpdateFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../workflows/contracts.js';

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
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

/** The problem for a refused workflow update, or null when the error is not one. */
export function problemFromWorkflowError(err: unknown): HttpProblem | null {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = FAILURE_STATUS[err.cause.type as FailureType];
    if (mapped) return new HttpProblem(mapped[0], mapped[1], mapped[2], err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(409, 'invalid-state', 'Not allowed in the current state', 'the process for this object has ended');
  return null;
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
    const send = (p: Problem) => reply.code(p.status).type('application/problem+json').send(p);
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
    if (err instanceof HttpProblem) return send(problem(err.status, err.slug, err.title, err.message));
    const wf = problemFromWorkflowError(err);
    if (wf) return send(problem(wf.status, wf.slug, wf.title, wf.message));
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response does not match its schema');
      return send(problem(500, 'internal', 'Internal error', 'the response did not match its contract'));
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own 4xx: body too large, bad JSON, unsupported media type, rate limit.
      return send(problem(err.statusCode, (err.code ?? 'bad-request').toLowerCase(), 'Bad request', err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return send(problem(500, 'internal', 'Internal error', 'an internal error occurred; it has been logged'));
  });
}
