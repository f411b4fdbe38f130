// Accepting an application starts its case: an update-with-start of the case workflow, whose
// id is the application number, so a retried POST joins the running case and answers what
// the first one did.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { approvalCase } from '../../../workflows/approvalCase.js';
import { caseWorkflowId, submitUpdate, type ApprovalCaseInput, type CaseStage, type Material } from '../../../workflows/contracts.js';
import { caseByNo, type CaseRow } from '../../../db/queries/cases.js';
import { approvalItemByCode, type ApprovalItemRow } from '../../../db/queries/catalog.js';
import { actorOf, type Principal } from '../../auth.js';
import { material, ownMaterials } from '../../materials.js';
import { conflict, forbidden, unprocessable, workflowProblems } from '../../errors.js';
import { applicationNo, code, commitmentScenario, creditCode, mobile, outsideNumberSpace, shortText } from '../../schemas.js';
import { links, submitted } from './view.js';
import { SgApplicationNo, SgCreditCode, SgDepartment, SgItemCode, SgRegion, stageAttributes } from '../../../workflows/domain/search-attributes.js';

const submitBody = z
  .object({
    applicationNo,
    itemCode: code,
    applicant: z.object({ creditCode, name: shortText(200), phone: mobile }).strict(),
    materials: z.array(material).max(100).default([]),
    route: z.enum(['auto', 'standard', 'commitment']).default('auto'),
    commitment: z
      .object({
        scenario: commitmentScenario,
        deferredMaterials: z.array(shortText(200)).max(100).optional(),
        text: shortText(4000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ id: 'Application', examples: [{ applicationNo: 'LYG-SPJ-2026-0001', itemCode: 'SP-FOOD-01', applicant: { creditCode: '91320700MA1N000019', name: '连云港示例食品店', phone: '13700000001' }, materials: ['申请书', '营业执照复印件'] }] });
type SubmitBody = z.infer<typeof submitBody>;

/** sha-256 over the parsed body with sorted keys: equal requests hash equal however they are spelled. */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(canonical) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)])) : v;
  return createHash('sha256').update(JSON.stringify(canonical(body))).digest('hex');
}

/** The answer for a number already taken: the same case again (200), or a refusal. */
function existingAnswer(row: CaseRow, hash: string, department: string | undefined) {
  // Another department learns nothing about a case, not even that its number is taken.
  if (row.approvalDepartmentCode !== department) throw forbidden(`application ${row.applicationNo} is not one of department ${department ?? '(none)'}`);
  if (row.requestHash !== hash) throw conflict(`application ${row.applicationNo} was already submitted with a different body`);
  return { applicationNo: row.applicationNo, status: row.stage as CaseStage, route: row.route, routeReason: row.routeReason, links: links(row.applicationNo) };
}

/** The catalog item the application names, when the caller's department handles it. */
async function submittableItem(app: FastifyInstance, body: SubmitBody, p: Principal): Promise<ApprovalItemRow> {
  const item = await approvalItemByCode(app.db, body.itemCode);
  if (!item) throw unprocessable(`approval item ${body.itemCode} is not in the catalog`);
  if (item.departmentCode !== p.department) throw forbidden(`approval item ${body.itemCode} is handled by department ${item.departmentCode}`);
  return item;
}

/** Starts the case and waits for its registration (credit pre-check and routing). */
function startCase(app: FastifyInstance, body: SubmitBody, materials: Material[], item: ApprovalItemRow, hash: string, p: Principal) {
  const input: ApprovalCaseInput = { ...body, materials, requestHash: hash, submittedBy: actorOf(p) };
  return app.temporal.workflow.executeUpdateWithStart(submitUpdate, {
    args: [{ requestHash: hash }],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof approvalCase>('approvalCase', {
      workflowId: caseWorkflowId(body.applicationNo),
      taskQueue: app.config.temporal.taskQueue,
      args: [input],
      // The application number is the idempotency key of the start: a retried POST joins
      // the running case, and a closed case is never started again under the same number.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      // No name or phone: summaries are shown in clear in the Temporal UI (payloads are encrypted).
      staticSummary: `${item.name}: ${body.applicant.creditCode}`,
      staticDetails: `application ${body.applicationNo}, item ${item.code} v${item.version}, department ${item.departmentCode}, region ${item.regionCode}`,
      typedSearchAttributes: [
        { key: SgApplicationNo, value: body.applicationNo },
        { key: SgCreditCode, value: body.applicant.creditCode },
        { key: SgItemCode, value: item.code },
        { key: SgRegion, value: item.regionCode },
        { key: SgDepartment, value: item.departmentCode },
        ...stageAttributes('submitted'),
      ],
    }),
  });
}

const submitRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/applications',
    {
      config: { roles: ['approval'] },
      schema: {
        operationId: 'submitApplication',
        tags: ['cases'],
        summary: 'Accept an application and start its case',
        description: 'Idempotent by applicationNo: the same body again answers 200 with the same case; another body under the same number is 409.',
        body: submitBody,
        response: { 200: submitted, 201: submitted, ...workflowProblems },
      },
    },
    async (req, reply) => {
      const { principal: p, body } = req;
      const hash = requestHash(body);
      // Checked before any lookup: another department's number is refused alike, taken or not.
      const outside = outsideNumberSpace(body.applicationNo, p.department);
      if (outside) throw forbidden(outside);
      const existing = await caseByNo(app.db, body.applicationNo);
      if (existing) return reply.code(200).send(existingAnswer(existing, hash, p.department));
      const item = await submittableItem(app, body, p);
      // Before the start: a document of another department (or none) is 422 and no case.
      const materials = await ownMaterials(app.db, item.departmentCode, body.materials);
      if (body.route === 'commitment' && !item.commitmentAllowed) {
        // Honoured only where allowed (DOMAIN.md §3.1): the case still starts, on the standard route.
        req.log.info({ applicationNo: body.applicationNo }, 'commitment route requested for an item that does not allow it');
      }
      try {
        const r = await startCase(app, body, materials, item, hash, p);
        const answer = { applicationNo: body.applicationNo, status: r.stage, route: r.route, routeReason: r.routeReason, links: links(body.applicationNo) };
        return reply.code(201).header('location', answer.links.self).send(answer);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // The case exists and its workflow has closed: answer from the read model.
        const row = await caseByNo(app.db, body.applicationNo);
        if (row) return reply.code(200).send(existingAnswer(row, hash, p.department));
        throw conflict(`application ${body.applicationNo} was used before`);
      }
    },
  );
};

export default submitRoutes;
