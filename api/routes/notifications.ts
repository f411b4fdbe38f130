// The notification outbox (each message with its business key and delivery status), and the
// SMS provider's delivery receipts (状态报告). Receipts are authenticated by a shared secret,
// not a user token: the provider is a system. A failed task SMS escalates instead of being
// forgotten.
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { notificationFailedSignal, resendWorkflowId, type ResendNotificationInput } from '../../workflows/contracts.js';
import type { resendNotification } from '../../workflows/resendNotification.js';
import { maskPhone } from '../../workflows/domain/format.js';
import { NOTIFICATION_STATUSES, notificationsByKey, outbox, recordReceipt, resendChain } from '../../db/queries/notifications.js';
import { isAwaitingClaim } from '../../db/queries/tasks.js';
import { actorOf } from '../auth.js';
import { conflict, HttpProblem, notFound, problemSchema, problems, unauthorized, workflowProblems } from '../errors.js';
import { iso, isoInstant, mobile, pagination, shortText } from '../schemas.js';

const notificationView = z.object({
  businessKey: z.string(),
  channel: z.string(),
  template: z.string(),
  recipientName: z.string().nullable(),
  recipientPhone: z.string().describe('masked (137****0002): the outbox is read by operators, not by the recipient'),
  body: z.string(),
  applicationNo: z.string().nullable(),
  taskId: z.string().nullable(),
  status: z.string(),
  providerMessageId: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
}).meta({ id: 'Notification' });
const outboxQuery = z.object({ applicationNo: z.string().max(64).optional(), recipient: mobile.optional(), status: z.enum(NOTIFICATION_STATUSES).optional(), ...pagination }).strict();
const outboxPage = z.object({ items: z.array(notificationView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }).meta({ id: 'NotificationPage' });

const receipt = z
  .object({
    outId: z.string().min(1).max(300).describe('the business key we sent as out_id'),
    status: z.enum(['delivered', 'failed']),
    at: isoInstant,
    error: z.string().max(500).optional(),
  })
  .strict();
const receiptsAnswer = z.object({ updated: z.number().int(), unknown: z.array(z.string()), escalated: z.number().int() });

const resendBody = z
  .object({
    reason: shortText(200).describe('why it is sent again, for the trail'),
    phone: mobile.optional().describe('the number to send to, when the one it failed on was wrong; else the same'),
  })
  .strict();
const resendAnswer = z.object({ businessKey: z.string(), originalKey: z.string(), status: z.enum(['sent', 'delivered', 'failed']) });

/**
 * The re-send's key, when the message may be sent again: it exists, and it and every earlier
 * re-send of it failed for good (a message on its way or delivered is not sent twice).
 */
async function nextResendKey(app: FastifyInstance, key: string): Promise<string> {
  const root = key.replace(/:resend-\d+$/, '');
  const chain = await resendChain(app.db, root);
  if (!chain.some((n) => n.businessKey === key)) throw notFound(`notification ${key}`);
  const live = chain.find((n) => n.status !== 'failed');
  if (live) throw conflict(`notification ${live.businessKey} is ${live.status}: only a message whose every send failed is sent again`);
  return `${root}:resend-${chain.length}`;
}

const sameSecret = (given: string, expected: string) => {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * Records each receipt that moves its message forward (pending or sent → delivered or failed;
 * a final status stays), and tells a task still awaiting its claim that its assignment SMS
 * failed, so the task escalates. The task is told before the receipt is recorded: if telling it
 * fails, nothing is recorded and the answer is an error, so the provider sends the receipt again
 * and the department head's escalation is never lost. Answers how many were recorded, the keys
 * no message of ours has, and how many tasks were told.
 */
async function applyReceipts(app: FastifyInstance, receipts: Array<z.infer<typeof receipt>>) {
  const known = await notificationsByKey(app.db, receipts.map((r) => r.outId));
  let updated = 0;
  let escalated = 0;
  for (const r of receipts) {
    const n = known.get(r.outId);
    if (!n || n.status === 'delivered' || n.status === 'failed') continue;
    if (r.status === 'failed' && n.template === 'task-assigned' && n.taskId && (await isAwaitingClaim(app.db, n.taskId))) {
      await app.temporal.workflow.getHandle(n.taskId).signal(notificationFailedSignal, { businessKey: r.outId, error: r.error });
      escalated++;
    }
    await recordReceipt(app.db, r.outId, { status: r.status, at: new Date(r.at), error: r.error });
    updated++;
  }
  return { updated, unknown: receipts.map((r) => r.outId).filter((k) => !known.has(k)), escalated };
}

const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/notifications',
    {
      config: { roles: ['operator'] },
      schema: { operationId: 'listNotifications', tags: ['notifications'], summary: 'The notification outbox: each message with its business key and delivery status', querystring: outboxQuery, response: { 200: outboxPage, ...problems(400, 401, 403, 404) } },
    },
    async (req) => {
      const { limit, offset, ...filter } = req.query;
      const { rows, total } = await outbox(app.db, filter, { limit, offset });
      return { items: rows.map((n) => ({ ...n, recipientPhone: maskPhone(n.recipientPhone), createdAt: n.createdAt.toISOString(), sentAt: iso(n.sentAt), deliveredAt: iso(n.deliveredAt) })), total, limit, offset };
    },
  );

  app.post(
    '/v1/notifications/:businessKey/resend',
    {
      config: { roles: ['operator'] },
      schema: {
        operationId: 'resendNotification',
        tags: ['notifications'],
        summary: 'Send again (补发) a message that failed for good, under a key of its own; on the case trail with who and why',
        params: z.object({ businessKey: z.string().min(1).max(300) }),
        body: resendBody,
        response: { 201: resendAnswer, ...workflowProblems },
      },
    },
    async (req, reply) => {
      const businessKey = await nextResendKey(app, req.params.businessKey);
      const input: ResendNotificationInput = { originalKey: req.params.businessKey, businessKey, phone: req.body.phone, reason: req.body.reason, actor: actorOf(req.principal) };
      try {
        const r = await app.temporal.workflow.execute<typeof resendNotification>('resendNotification', {
          workflowId: resendWorkflowId(businessKey),
          taskQueue: app.config.temporal.taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          staticSummary: `re-send of ${input.originalKey}`,
        });
        return reply.code(201).send({ ...r, originalKey: input.originalKey });
      } catch (err) {
        // Two operators at once: the other one's re-send is this one.
        if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`${businessKey} is being sent already`);
        throw err;
      }
    },
  );

  const secret = app.config.env.SMS_RECEIPT_TOKEN;
  app.post(
    '/v1/sms/receipts',
    {
      schema: {
        operationId: 'receiveSmsReceipts',
        tags: ['notifications'],
        summary: "The SMS provider's delivery reports; header x-receipt-token carries the shared secret",
        security: [],
        headers: z.object({ 'x-receipt-token': z.string().max(200).optional() }).passthrough(),
        body: z.object({ receipts: z.array(receipt).min(1).max(1000) }).strict(),
        response: { 200: receiptsAnswer, 400: problemSchema, 401: problemSchema, 503: problemSchema },
      },
    },
    async (req) => {
      if (!secret) throw new HttpProblem(503, 'not-configured', 'Receipts not configured', 'SMS_RECEIPT_TOKEN is not set on this server');
      if (!sameSecret(String(req.headers['x-receipt-token'] ?? ''), secret)) throw unauthorized('a valid x-receipt-token is required');
      return applyReceipts(app, req.body.receipts);
    },
  );
};

export default notificationRoutes;
