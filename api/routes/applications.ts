import { createHash } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { approvalItems, auditEvents, tasks } from '../../db/schema/index.js';
import type { approvalCase } from '../../workflows/approvalCase.js';
import { caseWorkflowId, decideUpdate, materialsUpdate, revocationUpdate, submitUpdate, type ApprovalCaseInput } from '../../workflows/contracts.js';
import { actorOf } from '../auth.js';
import { caseForApprover, caseForReader, readCase, type CaseRow } from '../access.js';
import { preparedPerDb } from '../../db/client.js';
import { conflict, forbidden, problemSchema, unprocessable } from '../errors.js';
import { applicationNo, applicationParam, code, creditCode, isoInstant, mobile, shortText } from '../schemas.js';

/** The submitted item's catalog row: every submission reads it. */
const itemByCode = preparedPerDb((db) => db.select().from(approvalItems).where(eq(approvalItems.code, sql.placeholder('code'))).prepare('approval_item_by_code'));

const submitBody = z
  .object({
    applicationNo,
    itemCode: code,
    applicant: z.object({ creditCode, name: shortText(200), phone: mobile }).strict(),
    materials: z.array(shortText(200)).max(100).default([]),
    route: z.enum(['auto', 'standard', 'commitment']).default('auto'),
    commitment: z
      .object({
        scenario: z.enum(['deferred-materials', 'verification', 'post-verification']),
        deferredMaterials: z.array(shortText(200)).max(100).optional(),
        text: shortText(4000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const links = (no: string) => ({ self: `/v1/applications/${no}`, events: `/v1/applications/${no}/events`, decision: `/v1/applications/${no}/decision` });
const linksSchema = z.object({ self: z.string(), events: z.string(), decision: z.string() });

const submitted = z.object({ applicationNo: z.string(), status: z.string(), route: z.string().nullable(), routeReason: z.string().nullable(), links: linksSchema });

const deadline = z.object({ kind: z.string(), dueAt: z.string(), provisional: z.boolean() });
const taskSummary = z.object({
  taskId: z.string(),
  departmentCode: z.string(),
  divisionCode: z.string(),
  status: z.string(),
  claimDueAt: z.string(),
  claimedAt: z.string().nullable(),
  claimOverdue: z.boolean(),
  feedbackDueAt: z.string().nullable(),
  result: z.string().nullable(),
  outcome: z.string().nullable(),
});
const caseDetail = z.object({
  applicationNo: z.string(),
  itemCode: z.string(),
  itemVersion: z.number().int(),
  approvalDepartmentCode: z.string(),
  regionCode: z.string(),
  applicant: z.object({ creditCode: z.string(), name: z.string() }),
  stage: z.string(),
  requestedRoute: z.string(),
  route: z.string().nullable(),
  routeReason: z.string().nullable(),
  credit: z.object({ grade: z.string(), blacklisted: z.boolean(), brokenCommitments: z.number(), checkedAt: z.string() }).nullable(),
  decision: z.string().nullable(),
  decisionOpinion: z.string().nullable(),
  licenceStatus: z.string(),
  commitmentScenario: z.string().nullable(),
  commitmentOutcome: z.string().nullable().describe('kept, broken, or null while open'),
  revocationReason: z.string().nullable(),
  deadlines: z.array(deadline),
  tasks: z.array(taskSummary),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  closeReason: z.string().nullable(),
  links: linksSchema,
});
const event = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  summary: z.string(),
  taskId: z.string().nullable(),
  actor: z.object({ sub: z.string(), role: z.string(), department: z.string().optional(), division: z.string().optional() }),
  detail: z.record(z.string(), z.unknown()),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** sha-256 over the parsed body with sorted keys: equal requests hash equal however they are spelled. */
function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

const applicationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema, 503: problemSchema, 504: problemSchema };

  const existingAnswer = (row: CaseRow, hash: string, department: string | undefined) => {
    // Another department learns nothing about a case, not even that its number is taken.
    if (row.approvalDepartmentCode !== department) throw forbidden(`application ${row.applicationNo} is not one of department ${department ?? '(none)'}`);
    if (row.requestHash !== hash) throw conflict(`application ${row.applicationNo} was already submitted with a different body`);
    return { applicationNo: row.applicationNo, status: row.stage, route: row.route, routeReason: row.routeReason, links: links(row.applicationNo) };
  };

  app.post(
    '/v1/applications',
    {
      config: { roles: ['approval'] },
      schema: {
        tags: ['cases'],
        summary: 'Accept an application and start its case',
        description: 'Idempotent by applicationNo: the same body again answers 200 with the same case; another body under the same number is 409.',
        body: submitBody,
        response: { 200: submitted, 201: submitted, ...errors },
      },
    },
    async (req, reply) => {
      const p = req.principal;
      const body = req.body;
      const hash = requestHash(body);
      const existing = await readCase(db, body.applicationNo);
      if (existing) return reply.code(200).send(existingAnswer(existing, hash, p.department));

      const [item] = await itemByCode(db).execute({ code: body.itemCode });
      if (!item) throw unprocessable(`approval item ${body.itemCode} is not in the catalog`);
      if (item.departmentCode !== p.department) throw forbidden(`approval item ${body.itemCode} is handled by department ${item.departmentCode}`);
      if (body.route === 'commitment' && !item.commitmentAllowed) {
        // Honoured only where allowed (DOMAIN.md §3.1): the case still starts, on the standard route.
        req.log.info({ applicationNo: body.applicationNo }, 'commitment route requested for an item that does not allow it');
      }

      const input: ApprovalCaseInput = { ...body, requestHash: hash, submittedBy: actorOf(p) };
      const { temporal, config } = app.deps;
      const workflowId = caseWorkflowId(body.applicationNo);
      try {
        const registration = await temporal.workflow.executeUpdateWithStart(submitUpdate, {
          args: [{ requestHash: hash }],
          startWorkflowOperation: new WithStartWorkflowOperation<typeof approvalCase>('approvalCase', {
            workflowId,
            taskQueue: config.temporal.taskQueue,
            args: [input],
            // The application number is the idempotency key of the start: a retried POST joins
            // the running case, and a closed case is never started again under the same number.
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            staticSummary: `${item.name}: ${body.applicant.name} (${body.applicant.creditCode})`,
            staticDetails: `application ${body.applicationNo}, item ${item.code} v${item.version}, department ${item.departmentCode}, region ${item.regionCode}`,
            searchAttributes: {
              SgApplicationNo: [body.applicationNo],
              SgCreditCode: [body.applicant.creditCode],
              SgItemCode: [item.code],
              SgRegion: [item.regionCode],
              SgDepartment: [item.departmentCode],
              SgStage: ['submitted'],
            },
          }),
        });
        return reply
          .code(201)
          .header('location', links(body.applicationNo).self)
          .send({ applicationNo: body.applicationNo, status: registration.stage, route: registration.route, routeReason: registration.routeReason, links: links(body.applicationNo) });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) {
          // The case exists and its workflow has closed: answer from the read model.
          const row = await readCase(db, body.applicationNo);
          if (row) return reply.code(200).send(existingAnswer(row, hash, p.department));
          throw conflict(`application ${body.applicationNo} was used before`);
        }
        throw err;
      }
    },
  );

  app.get(
    '/v1/applications/:applicationNo',
    {
      config: { roles: ['approval', 'supervision', 'operator'] },
      schema: { tags: ['cases'], summary: 'A case: stage, route, credit, licence, deadlines, tasks', params: applicationParam, response: { 200: caseDetail, ...errors } },
    },
    async (req) => {
      const row = await caseForReader(db, req.principal, req.params.applicationNo);
      const taskRows = await db.select().from(tasks).where(eq(tasks.applicationNo, row.applicationNo)).orderBy(asc(tasks.taskId));
      const deadlines: Array<z.infer<typeof deadline>> = [];
      if (row.decisionDueAt && !row.decision) deadlines.push({ kind: 'decision', dueAt: row.decisionDueAt.toISOString(), provisional: row.decisionDueProvisional });
      if (row.commitmentDueAt && row.stage === 'awaiting-materials') deadlines.push({ kind: 'commitment', dueAt: row.commitmentDueAt.toISOString(), provisional: false });
      for (const t of taskRows) {
        if (!t.claimedAt) deadlines.push({ kind: `claim:${t.taskId}`, dueAt: t.claimDueAt.toISOString(), provisional: t.claimDueProvisional });
        if (t.feedbackDueAt && !t.feedbackAt) deadlines.push({ kind: `feedback:${t.taskId}`, dueAt: t.feedbackDueAt.toISOString(), provisional: t.feedbackDueProvisional });
      }
      return {
        applicationNo: row.applicationNo,
        itemCode: row.itemCode,
        itemVersion: row.itemVersion,
        approvalDepartmentCode: row.approvalDepartmentCode,
        regionCode: row.regionCode,
        applicant: { creditCode: row.applicantCreditCode, name: row.applicantName },
        stage: row.stage,
        requestedRoute: row.requestedRoute,
        route: row.route,
        routeReason: row.routeReason,
        credit: row.creditResult ?? null,
        decision: row.decision,
        decisionOpinion: row.decisionOpinion,
        licenceStatus: row.licenceStatus,
        commitmentScenario: row.commitmentScenario,
        commitmentOutcome: row.commitmentOutcome,
        revocationReason: row.revocationReason,
        deadlines,
        tasks: taskRows.map((t) => ({
          outcome: t.outcome,
          taskId: t.taskId,
          departmentCode: t.departmentCode,
          divisionCode: t.divisionCode,
          status: t.status,
          claimDueAt: t.claimDueAt.toISOString(),
          claimedAt: iso(t.claimedAt),
          claimOverdue: t.claimOverdue,
          feedbackDueAt: iso(t.feedbackDueAt),
          result: t.result,
        })),
        createdAt: row.createdAt.toISOString(),
        closedAt: iso(row.closedAt),
        closeReason: row.closeReason,
        links: links(row.applicationNo),
      };
    },
  );

  app.get(
    '/v1/applications/:applicationNo/events',
    {
      config: { roles: ['approval', 'supervision', 'operator'] },
      schema: { tags: ['cases'], summary: 'The audit trail of a case: every step, actor, time and notification', params: applicationParam, response: { 200: z.object({ items: z.array(event) }), ...errors } },
    },
    async (req) => {
      const row = await caseForReader(db, req.principal, req.params.applicationNo);
      const rows = await db.select().from(auditEvents).where(eq(auditEvents.applicationNo, row.applicationNo)).orderBy(asc(auditEvents.at), asc(auditEvents.id));
      return { items: rows.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, summary: e.summary, taskId: e.taskId, actor: e.actor, detail: e.detail })) };
    },
  );

  app.post(
    '/v1/applications/:applicationNo/decision',
    {
      config: { roles: ['approval'] },
      schema: {
        tags: ['cases'],
        summary: 'Decide the application (approve issues the licence and pushes the dossier)',
        params: applicationParam,
        body: z.object({ outcome: z.enum(['approve', 'reject']), opinion: shortText(2000) }).strict(),
        response: { 200: z.object({ applicationNo: z.string(), stage: z.string(), decision: z.string(), licenceStatus: z.string() }), ...errors },
      },
    },
    async (req) => {
      const row = await caseForApprover(db, req.principal, req.params.applicationNo);
      const handle = app.deps.temporal.workflow.getHandle(row.workflowId);
      return handle.executeUpdate(decideUpdate, { args: [{ outcome: req.body.outcome, opinion: req.body.opinion, actor: actorOf(req.principal) }] });
    },
  );

  app.post(
    '/v1/applications/:applicationNo/materials',
    {
      config: { roles: ['approval'] },
      schema: {
        tags: ['cases'],
        summary: '材料延期: the deferred materials arrived; the licence is issued and the dossier pushed',
        params: applicationParam,
        body: z.object({ materials: z.array(shortText(200)).min(1).max(100) }).strict(),
        response: { 200: z.object({ applicationNo: z.string(), stage: z.string() }), ...errors },
      },
    },
    async (req) => {
      const row = await caseForApprover(db, req.principal, req.params.applicationNo);
      const r = await app.deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(materialsUpdate, { args: [{ materials: req.body.materials, actor: actorOf(req.principal) }] });
      return { applicationNo: r.applicationNo, stage: r.stage };
    },
  );

  app.post(
    '/v1/applications/:applicationNo/revocation',
    {
      config: { roles: ['approval'] },
      schema: {
        tags: ['cases'],
        summary: 'Execute a pending revocation (撤销许可), or extend an overdue commitment where allowed',
        description: 'A revocation is pending when supervision requested it after a failed re-inspection, or when deferred materials are overdue. `extend` is only for the latter.',
        params: applicationParam,
        body: z.union([
          z.object({ reason: shortText(2000) }).strict(),
          z.object({ extend: z.object({ deadline: isoInstant, reason: shortText(2000) }).strict() }).strict(),
        ]),
        response: { 200: z.object({ applicationNo: z.string(), stage: z.string(), licenceStatus: z.string() }), ...errors },
      },
    },
    async (req) => {
      const row = await caseForApprover(db, req.principal, req.params.applicationNo);
      const b = req.body;
      const args = 'extend' in b
        ? { actor: actorOf(req.principal), action: 'extend' as const, reason: b.extend.reason, newDeadline: new Date(b.extend.deadline).toISOString() }
        : { actor: actorOf(req.principal), action: 'revoke' as const, reason: b.reason };
      return app.deps.temporal.workflow.getHandle(row.workflowId).executeUpdate(revocationUpdate, { args: [args] });
    },
  );
};

export default applicationRoutes;
