// Delivery receipts from the SMS provider (状态报告). Authenticated by a shared secret, not a
// user token: the provider is a system. A failed task SMS escalates instead of being forgotten.
import { timingSafeEqual } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { notifications, tasks } from '../../db/schema/index.js';
import { notificationFailedSignal } from '../../workflows/contracts.js';
import { HttpProblem, problemSchema, unauthorized } from '../errors.js';
import { isoInstant } from '../schemas.js';

const receipt = z
  .object({
    outId: z.string().min(1).max(300).describe('the business key we sent as out_id'),
    status: z.enum(['delivered', 'failed']),
    at: isoInstant,
    error: z.string().max(500).optional(),
  })
  .strict();

const smsRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const secret = app.deps.config.env.SMS_RECEIPT_TOKEN;

  app.post(
    '/v1/sms/receipts',
    {
      schema: {
        tags: ['notifications'],
        summary: "The SMS provider's delivery reports; header x-receipt-token carries the shared secret",
        security: [],
        headers: z.object({ 'x-receipt-token': z.string().max(200).optional() }).passthrough(),
        body: z.object({ receipts: z.array(receipt).min(1).max(1000) }).strict(),
        response: { 200: z.object({ updated: z.number().int(), unknown: z.array(z.string()), escalated: z.number().int() }), 400: problemSchema, 401: problemSchema, 503: problemSchema },
      },
    },
    async (req) => {
      if (!secret) throw new HttpProblem(503, 'not-configured', 'Receipts not configured', 'SMS_RECEIPT_TOKEN is not set on this server');
      const given = Buffer.from(String(req.headers['x-receipt-token'] ?? ''));
      const expected = Buffer.from(secret);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('a valid x-receipt-token is required');
      const keys = req.body.receipts.map((r) => r.outId);
      const known = new Map((await db.select().from(notifications).where(inArray(notifications.businessKey, keys))).map((n) => [n.businessKey, n]));
      let updated = 0;
      let escalated = 0;
      for (const r of req.body.receipts) {
        const n = known.get(r.outId);
        if (!n) continue;
        // A receipt only moves a message forward: delivered stays delivered.
        if (n.status === 'delivered' || (n.status === 'failed' && r.status === 'failed')) continue;
        await db
          .update(notifications)
          .set(r.status === 'delivered' ? { status: 'delivered', deliveredAt: new Date(r.at), error: null } : { status: 'failed', error: r.error ?? 'reported failed by the provider' })
          .where(eq(notifications.businessKey, r.outId));
        updated++;
        if (r.status === 'failed' && n.template === 'task-assigned' && n.taskId) {
          const [t] = await db.select({ status: tasks.status }).from(tasks).where(and(eq(tasks.taskId, n.taskId), eq(tasks.status, 'awaiting-claim')));
          if (t) {
            await app.deps.temporal.workflow.getHandle(n.taskId).signal(notificationFailedSignal, { businessKey: r.outId, error: r.error });
            escalated++;
          }
        }
      }
      return { updated, unknown: keys.filter((k) => !known.has(k)), escalated };
    },
  );
};

export default smsRoutes;
