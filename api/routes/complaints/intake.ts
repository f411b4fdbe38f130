// 投诉举报受理: a ticket of the 12345 / 12315 hotline becomes a complaint — an update-with-start
// of its complaintCase, whose id carries the hotline and its ticket id, so a retried POST joins
// the running complaint and answers what the first did; another body under the same ticket is
// 409 (docs/complaints.md). The complainant's contact is masked here, before anything keeps it.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { complaintCase } from '../../../workflows/complaintCase.js';
import { complaintNoOf, complaintWorkflowId, intakeUpdate, type ComplaintCaseInput } from '../../../workflows/contracts.js';
import { SgCreditCode, SgRegion } from '../../../workflows/domain/search-attributes.js';
import { complaintByNo, knownEnterpriseName, type ComplaintRow } from '../../../db/queries/complaints.js';
import { approvalItemByCode } from '../../../db/queries/catalog.js';
import { actorOf, type Principal } from '../../auth.js';
import { conflict, forbidden, unprocessable, workflowProblems } from '../../errors.js';
import { code, creditCode, shortText } from '../../schemas.js';
import { requestHash } from '../applications/submit.js';
import { complaintSource, complaintView, viewOf } from './view.js';

const complaintBody = z
  .object({
    source: complaintSource,
    ticketId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/, "1-48 letters, digits, _ or -: the hotline's own ticket id").describe("the hotline's own ticket id (工单号): the idempotency key"),
    enterprise: z
      .object({ creditCode: creditCode.optional(), name: shortText(200).optional() })
      .strict()
      .refine((e) => e.creditCode !== undefined || e.name !== undefined, 'the enterprise by its credit code, its name, or both'),
    matter: shortText(4000).describe('what the complaint is about (诉求内容)'),
    itemCode: code.optional().describe("the approval item the matter concerns, when the hotline knows it: routes by the item's linkage"),
    complainant: z
      .object({ name: shortText(50).optional(), phone: z.string().regex(/^[0-9+\- ]{5,20}$/, 'a phone number').optional() })
      .strict()
      .default({})
      .describe('kept masked only (张*, 138****0011): the hotline holds the contact and calls back'),
  })
  .strict()
  .meta({ id: 'ComplaintTicket', examples: [{ source: '12345', ticketId: 'GD20261203001', enterprise: { creditCode: '91350100M000100Y43', name: '连云港海州食品店' }, matter: '反映该店销售过期食品', itemCode: 'SP-FOOD-01', complainant: { name: '张三', phone: '13700000009' } }] });
type ComplaintBody = z.infer<typeof complaintBody>;

/** 张三 → 张*: the first character only. */
export const maskName = (name: string) => `${[...name][0] ?? ''}${'*'.repeat(Math.max(1, [...name].length - 1))}`;
/** The first three and last four digits of a number of eight or more (138****0011), else only its last two. */
export function maskContactPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 8 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : `****${digits.slice(-2)}`;
}

/** A ticket already received: the same answer again (200), or a refusal. */
function existingAnswer(row: ComplaintRow, hash: string, p: Principal) {
  if (row.regionCode !== p.region) throw forbidden(`ticket ${row.ticketId} of ${row.source} is not one of region ${p.region ?? '(none)'}`);
  if (row.requestHash !== hash) throw conflict(`ticket ${row.ticketId} of ${row.source} was already received with a different body: a ticket id names one complaint`);
  return viewOf(row);
}

async function inputOf(app: FastifyInstance, body: ComplaintBody, p: Principal, hash: string): Promise<ComplaintCaseInput> {
  const region = p.region!;
  if (body.itemCode) {
    const item = await approvalItemByCode(app.db, body.itemCode);
    if (!item || item.regionCode !== region) throw unprocessable(`approval item ${body.itemCode} is not in the catalog of region ${region}`);
  }
  const code = body.enterprise.creditCode;
  const name = body.enterprise.name ?? (code && (await knownEnterpriseName(app.db, code, region))) ?? code!;
  const { name: who, phone } = body.complainant;
  return {
    complaintNo: complaintNoOf(body.source, body.ticketId),
    source: body.source,
    ticketId: body.ticketId,
    regionCode: region,
    requestHash: hash,
    enterprise: { ...(code && { creditCode: code }), name },
    matter: body.matter,
    ...(body.itemCode && { itemCode: body.itemCode }),
    complainant: { ...(who && { name: maskName(who) }), ...(phone && { phone: maskContactPhone(phone) }) },
    receivedBy: actorOf(p),
  };
}

function startComplaint(app: FastifyInstance, input: ComplaintCaseInput) {
  return app.temporal.workflow.executeUpdateWithStart(intakeUpdate, {
    args: [{ requestHash: input.requestHash }],
    startWorkflowOperation: new WithStartWorkflowOperation<typeof complaintCase>('complaintCase', {
      workflowId: complaintWorkflowId(input.complaintNo),
      taskQueue: app.config.temporal.taskQueue,
      args: [input],
      // The ticket is the idempotency key: a retried POST joins the running complaint; one that
      // could not be routed (its run failed) may come again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      // No complainant, no matter: summaries are shown in clear in the Temporal UI.
      staticSummary: `${input.source} ticket ${input.ticketId}: ${input.enterprise.creditCode ?? 'enterprise by name'}`,
      typedSearchAttributes: [{ key: SgRegion, value: input.regionCode }, ...(input.enterprise.creditCode ? [{ key: SgCreditCode, value: input.enterprise.creditCode }] : [])],
    }),
  });
}

const intakeRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/complaints',
    {
      config: { roles: ['hotline'] },
      schema: {
        operationId: 'receiveComplaint',
        tags: ['complaints'],
        summary: 'A 12345 / 12315 ticket: routed to the competent division as a supervision task, with the reply owed back',
        description: 'Idempotent by (source, ticketId): the same body again answers 200 with the same complaint; another body under the same ticket is 409.',
        body: complaintBody,
        response: { 200: complaintView, 201: complaintView, ...workflowProblems },
      },
    },
    async (req, reply) => {
      const { principal: p, body } = req;
      if (body.source !== p.hotline) throw forbidden(`a ${p.hotline ?? '(none)'} hotline token files ${p.hotline ?? '(none)'} tickets only`);
      const hash = requestHash(body);
      const no = complaintNoOf(body.source, body.ticketId);
      const existing = await complaintByNo(app.db, no);
      if (existing) return reply.code(200).send(existingAnswer(existing, hash, p));
      const input = await inputOf(app, body, p, hash);
      try {
        await startComplaint(app, input);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        const row = await complaintByNo(app.db, no);
        if (row) return reply.code(200).send(existingAnswer(row, hash, p));
        throw conflict(`ticket ${body.ticketId} of ${body.source} was used before`);
      }
      const row = await complaintByNo(app.db, no);
      return reply.code(201).header('location', `/v1/complaints/${no}`).send(viewOf(row!));
    },
  );
};

export default intakeRoutes;
