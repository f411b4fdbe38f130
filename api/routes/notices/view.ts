// What the notice routes share: the notice as answered, and the start of its workflow (the
// notice id is the idempotency key of the start: a repeated request joins the notice there).
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { departmentNotice } from '../../../workflows/departmentNotice.js';
import { NOTICE_STATUSES, type DepartmentNoticeInput } from '../../../workflows/contracts.js';
import { SgCreditCode, SgDepartment, SgItemCode } from '../../../workflows/domain/search-attributes.js';
import { NOTICE_KINDS } from '../../../db/schema/index.js';
import type { NoticeRow } from '../../../db/queries/notices.js';
import { actorSchema, iso, pick } from '../../schemas.js';

export const noticeIdParam = z.object({ noticeId: z.string().regex(/^notice-(reg|rev|fnd)-[A-Za-z0-9_.:-]{3,200}$/, 'a notice id: notice-reg-…, notice-rev-… or notice-fnd-…') });

const hop = z.object({ from: z.string(), to: z.string(), by: z.enum(['division-of-powers', 'manual']), reason: z.string(), actor: actorSchema, at: z.string(), level: z.string().optional() }).meta({ id: 'NoticeHop' });

export const noticeView = z
  .object({
    noticeId: z.string(),
    kind: z.enum(NOTICE_KINDS),
    status: z.enum(NOTICE_STATUSES),
    regionCode: z.string(),
    departmentCode: z.string().describe('the holder now'),
    divisionCode: z.string().nullable(),
    raisedBy: actorSchema,
    raisedByDepartment: z.string().nullable(),
    registrationId: z.string().nullable(),
    applicationNo: z.string().nullable(),
    taskId: z.string().nullable(),
    creditCode: z.string(),
    subjectName: z.string(),
    itemCode: z.string().nullable(),
    matter: z.string(),
    openedAt: z.string().describe('when the window at the holder opened'),
    dueAt: z.string(),
    overdue: z.boolean().describe('the window passed unanswered (escalated), or passes now'),
    escalatedAt: z.string().nullable(),
    hops: z.array(hop).describe('each forward (市县分工 or by hand), oldest first'),
    answeredAt: z.string().nullable(),
    answeredBy: actorSchema.nullable(),
    answerNote: z.string().nullable(),
    licensedApplicationNo: z.string().nullable().describe('后置审批: the case whose licence closed the loop'),
    licensedAt: z.string().nullable(),
  })
  .meta({ id: 'DepartmentNotice' });
export type NoticeView = z.infer<typeof noticeView>;

export function noticeOf(r: NoticeRow, now = Date.now()): NoticeView {
  const open = r.status === 'awaiting-claim' || r.status === 'awaiting-acknowledgement';
  return pick(noticeView, {
    ...r,
    kind: r.kind,
    status: r.status as NoticeView['status'],
    openedAt: r.openedAt.toISOString(),
    dueAt: r.dueAt.toISOString(),
    overdue: r.overdue || (open && r.dueAt.getTime() < now),
    escalatedAt: iso(r.escalatedAt),
    answeredAt: iso(r.answeredAt),
    licensedAt: iso(r.licensedAt),
  });
}

/** Starts a notice's workflow, or finds it started (running or ended): never a second notice under one id. */
export async function startNotice(app: FastifyInstance, input: DepartmentNoticeInput): Promise<void> {
  try {
    await app.temporal.workflow.start<typeof departmentNotice>('departmentNotice', {
      workflowId: input.noticeId,
      taskQueue: app.config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: `${input.kind === 'registration' ? '双告知' : '联动告知'} to ${input.to.departmentCode}: ${input.subjectName}`,
      typedSearchAttributes: [
        { key: SgCreditCode, value: input.creditCode },
        { key: SgDepartment, value: input.to.departmentCode },
        ...(input.itemCode ? [{ key: SgItemCode, value: input.itemCode }] : []),
      ],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
