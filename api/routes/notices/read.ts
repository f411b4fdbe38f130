// The notices a caller holds, raised or passed on (双告知, 联动告知), one notice, and its trail.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NOTICE_STATUSES } from '../../../workflows/contracts.js';
import { NOTICE_KINDS } from '../../../db/schema/index.js';
import { listNotices, mayReadNotice, noticeById, noticeEvents, type NoticeRow } from '../../../db/queries/notices.js';
import type { Principal } from '../../auth.js';
import { forbidden, notFound, problems } from '../../errors.js';
import { pagination } from '../../schemas.js';
import { event } from '../applications/view.js';
import { noticeIdParam, noticeOf, noticeView } from './view.js';

export const NOTICE_READERS = ['approval', 'supervision', 'regional-admin', 'operator'] as const;

/** A notice the caller may see (db/queries/notices.ts noticeScope): 404 when none, 403 when not the caller's. */
export async function noticeForReader(app: FastifyInstance, p: Principal, noticeId: string): Promise<NoticeRow> {
  const row = await noticeById(app.db, noticeId);
  if (!row) throw notFound(`notice ${noticeId}`);
  if (!mayReadNotice(p, row)) throw forbidden(`notice ${noticeId} is addressed to ${row.departmentCode}, raised by ${row.raisedByDepartment ?? 'the registration system'}`);
  return row;
}

const errors = problems(400, 401, 403, 404);

const noticeReads: FastifyPluginAsyncZod = async (app) => {
  const query = z
    .object({
      kind: z.enum(NOTICE_KINDS).optional(),
      status: z.enum(NOTICE_STATUSES).optional(),
      side: z.enum(['held', 'raised']).optional().describe("held: addressed to the caller's department; raised: raised by it; absent: both, and those it forwarded"),
      ...pagination,
    })
    .strict();
  app.get(
    '/v1/notices',
    { config: { roles: NOTICE_READERS }, schema: { operationId: 'listNotices', tags: ['notices'], summary: 'Notices to claim or acknowledge (双告知, 联动告知), nearest deadline first', querystring: query, response: { 200: z.object({ items: z.array(noticeView), total: z.number().int() }), ...errors } } },
    async (req) => {
      const { limit, offset, ...filter } = req.query;
      const { rows, total } = await listNotices(app.db, req.principal, filter, { limit, offset });
      return { items: rows.map((r) => noticeOf(r)), total };
    },
  );
  app.get(
    '/v1/notices/:noticeId',
    { config: { roles: NOTICE_READERS }, schema: { operationId: 'getNotice', tags: ['notices'], summary: 'One notice: holder, window, hops, answer, licence', params: noticeIdParam, response: { 200: noticeView, ...errors } } },
    async (req) => noticeOf(await noticeForReader(app, req.principal, req.params.noticeId)),
  );
  app.get(
    '/v1/notices/:noticeId/events',
    { config: { roles: NOTICE_READERS }, schema: { operationId: 'listNoticeEvents', tags: ['notices'], summary: "A notice's trail: raised, each hop, SMS, reminder, escalation, answer, licence", params: noticeIdParam, response: { 200: z.object({ items: z.array(event) }), ...errors } } },
    async (req) => {
      const row = await noticeForReader(app, req.principal, req.params.noticeId);
      const rows = await noticeEvents(app.db, row.noticeId);
      return { items: rows.map((e) => ({ id: e.id, at: e.at.toISOString(), kind: e.kind, summary: e.summary, taskId: e.taskId, actor: e.actor, detail: e.detail })) };
    },
  );
};

export default noticeReads;
