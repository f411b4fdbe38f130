// Results from the other supervision platforms (seeds 003 §10, §13): a result recorded on the
// provincial 互联网+监管 platform, the market-supervision or the law-enforcement platform flows
// back into the task instead of being typed in again. It is the task's own actions, with the
// platform as the actor: the inspection (when the division has not reported it) and the
// feedback, as Updates, so the workflow, the read model and the trail record it as they record a
// division's. The platform's record id is the idempotency key: the feedback's activity files it
// on the trail (`external-result:<platform>:<record id>`, with the hash of the body), and a
// repeat finds it there — the same body answers the same result (200), another body 409.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { externalResultKey, feedbackUpdate, inspectionUpdate, type ExternalRecord } from '../../../workflows/contracts.js';
import { taskViewById } from '../../../db/queries/tasks.js';
import { stepByKey } from '../../../db/queries/trail.js';
import { PLATFORMS, actorOf, type Principal } from '../../auth.js';
import { taskForPlatform } from '../../access.js';
import { conflict, knownProblem, notFound, workflowProblems } from '../../errors.js';
import { feedbackResult, isoInstant, shortText, taskIdParam } from '../../schemas.js';
import { taskView, view } from './view.js';

const externalResult = z
  .object({
    recordId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, "1-128 letters, digits, _ . : or -: the platform's own record id").describe("the platform's own id of the record: the idempotency key"),
    finishedAt: isoInstant.describe('when the supervision work recorded there finished: opens the feedback window as an inspection does'),
    findings: shortText(4000),
    result: feedbackResult,
    note: z.string().trim().max(4000).default(''),
    rectificationDeadline: isoInstant.optional().describe("with rectification or commitment-untrue: the order's deadline; default the policy's rectification period"),
  })
  .strict()
  .meta({ id: 'ExternalResult', examples: [{ recordId: 'ZFJD-2026-000123', finishedAt: '2026-03-02T10:30:00+08:00', findings: '执法检查：经营场所与许可一致', result: 'compliant', note: '省执法监管平台记录' }] });
type ExternalResultBody = z.infer<typeof externalResult>;

const externalAnswer = z
  .object({
    platform: z.enum(PLATFORMS),
    recordId: z.string(),
    repeated: z.boolean().describe('true: this record was received before with the same body, and nothing was done again'),
    task: taskView,
  })
  .meta({ id: 'ExternalResultReceipt' });

const iso = (v: string | undefined) => (v ? new Date(v).toISOString() : undefined);

/** sha-256 over what the result says, instants normalized: the same record spelled otherwise hashes equal. */
function resultHash(taskId: string, b: ExternalResultBody): string {
  const canonical = { taskId, finishedAt: iso(b.finishedAt), findings: b.findings, result: b.result, note: b.note, rectificationDeadline: iso(b.rectificationDeadline) ?? null };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The answer to a record already received: the same result again, or a refusal. */
function repeatOf(seen: { taskId: string | null; detail: Record<string, unknown> }, taskId: string, hash: string, record: string): void {
  if (seen.taskId !== taskId || seen.detail.requestHash !== hash) throw conflict(`${record} was already received with a different result${seen.taskId !== taskId ? ' for another task' : ''}: a record id names one result`);
}

/** A concurrent post of the same record may still be writing it: look for it a few times before answering its refusal. */
async function seenSoon(app: FastifyInstance, key: string) {
  for (let i = 0; i < 10; i++) {
    const seen = await stepByKey(app.db, key);
    if (seen) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}

async function receive(app: FastifyInstance, p: Principal, taskId: string, body: ExternalResultBody): Promise<{ status: 200 | 201; body: z.infer<typeof externalAnswer> }> {
  const row = await taskForPlatform(app.db, p, taskId);
  const platform = p.platform!;
  const key = externalResultKey(platform, body.recordId);
  const record = `record ${body.recordId} of ${platform}`;
  const external: ExternalRecord = { platform, recordId: body.recordId, requestHash: resultHash(taskId, body) };
  const answer = async (repeated: boolean) => {
    const task = await taskViewById(app.db, taskId);
    if (!task) throw notFound(`task ${taskId}`);
    return { platform, recordId: body.recordId, repeated, task: view(task) };
  };
  const seen = await stepByKey(app.db, key);
  if (seen) {
    repeatOf(seen, taskId, external.requestHash, record);
    return { status: 200, body: await answer(true) };
  }
  const actor = actorOf(p);
  const handle = app.temporal.workflow.getHandle(taskId);
  try {
    // Not reported here yet: the platform's record is the inspection too (a retry after a crash
    // between the two finds the task awaiting feedback and goes on with the result).
    if (row.status !== 'awaiting-feedback') await handle.executeUpdate(inspectionUpdate, { args: [{ actor, finishedAt: iso(body.finishedAt)!, findings: body.findings, external }] });
    await handle.executeUpdate(feedbackUpdate, { args: [{ actor, result: body.result, note: body.note, rectificationDeadline: iso(body.rectificationDeadline), external }] });
  } catch (err) {
    // The same record posted twice at once: one took effect, the other's update found the task moved on.
    if (knownProblem(err)?.status !== 409) throw err;
    const now = await seenSoon(app, key);
    if (!now) throw err;
    repeatOf(now, taskId, external.requestHash, record);
    return { status: 200, body: await answer(true) };
  }
  return { status: 201, body: await answer(false) };
}

const summary = 'A result recorded on another supervision platform (互联网+监管, market supervision, law enforcement): the inspection and the feedback, once per record id';

const externalResultRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/tasks/:taskId/external-result',
    { config: { roles: ['platform'] }, schema: { operationId: 'receiveExternalResult', tags: ['tasks'], summary, params: taskIdParam, body: externalResult, response: { 201: externalAnswer, 200: externalAnswer, ...workflowProblems } } },
    async (req, reply) => {
      const r = await receive(app, req.principal, req.params.taskId, req.body);
      return reply.code(r.status).send(r.body);
    },
  );
};

export default externalResultRoutes;
