// A complaint as the API shows it: its ticket, the enterprise, the complainant masked, where it
// was routed, the reply window and the reply, and its link to the earlier complaints.
import { z } from 'zod';
import type { ComplaintRow } from '../../../db/queries/complaints.js';
import { COMPLAINT_SOURCES } from '../../../db/schema/index.js';
import { COMPLAINT_STATUSES, REPLY_OUTCOMES, type ComplaintStatus, type ReplyOutcome } from '../../../workflows/contracts.js';
import { actorSchema, iso } from '../../schemas.js';

export const complaintSource = z.enum(COMPLAINT_SOURCES).describe('12345: the citizens’ hotline; 12315: consumer complaints').meta({ id: 'ComplaintSource' });
export const complaintStatus = z.enum(COMPLAINT_STATUSES).meta({ id: 'ComplaintStatus' });
export const replyOutcome = z.enum(REPLY_OUTCOMES).meta({ id: 'ReplyOutcome' });

const forwardEnd = z.object({ departmentCode: z.string(), divisionCode: z.string(), taskId: z.string() });

export const complaintView = z
  .object({
    complaintNo: z.string().describe('C<source>-<ticket id>'),
    source: complaintSource,
    ticketId: z.string(),
    regionCode: z.string(),
    status: complaintStatus,
    enterprise: z.object({ creditCode: z.string().nullable(), name: z.string() }),
    matter: z.string(),
    itemCode: z.string().nullable(),
    complainant: z.object({ name: z.string().nullable(), phone: z.string().nullable() }).describe('masked: the hotline holds the contact and calls back'),
    routedTo: z.object({ by: z.enum(['item', 'enterprise', 'coordinating-office']), departmentCode: z.string(), divisionCode: z.string() }),
    taskId: z.string(),
    receivedAt: z.string(),
    replyDueAt: z.string(),
    replyOverdue: z.boolean().describe('the reply deadline passed without a reply: marked by the workflow, or by the clock'),
    reply: z.object({ outcome: replyOutcome, text: z.string(), repliedAt: z.string(), repliedBy: actorSchema, sentAt: z.string().nullable().describe('when the hotline took it') }).nullable(),
    repeatOf: z.string().nullable().describe('the first complaint about the same enterprise in the region within a year'),
    earlierComplaints: z.number().int().describe('how many complaints about the enterprise came within the year before this one'),
    forwards: z
      .array(z.object({ from: forwardEnd, to: forwardEnd, reason: z.string(), by: actorSchema, at: z.string() }).meta({ id: 'ComplaintForward' }))
      .describe('转办: each hop from the department that held it to the one it went to, oldest first; the reply deadline is not restarted by them'),
    taskOutcome: z.string().nullable(),
    closedAt: z.string().nullable(),
  })
  .meta({ id: 'Complaint' });
export type ComplaintView = z.infer<typeof complaintView>;

export function viewOf(c: ComplaintRow, now = new Date()): ComplaintView {
  return {
    complaintNo: c.complaintNo,
    source: c.source,
    ticketId: c.ticketId,
    regionCode: c.regionCode,
    status: c.status as ComplaintStatus,
    enterprise: { creditCode: c.creditCode, name: c.enterpriseName },
    matter: c.matter,
    itemCode: c.itemCode,
    complainant: { name: c.complainantName, phone: c.complainantPhone },
    routedTo: { by: c.routedBy as ComplaintView['routedTo']['by'], departmentCode: c.departmentCode, divisionCode: c.divisionCode },
    taskId: c.taskId,
    receivedAt: c.receivedAt.toISOString(),
    replyDueAt: c.replyDueAt.toISOString(),
    replyOverdue: c.replyOverdue || (c.repliedAt === null && now > c.replyDueAt) || (c.repliedAt !== null && c.repliedAt > c.replyDueAt),
    reply: c.repliedAt && c.replyOutcome ? { outcome: c.replyOutcome as ReplyOutcome, text: c.replyText ?? '', repliedAt: c.repliedAt.toISOString(), repliedBy: c.repliedBy!, sentAt: iso(c.replySentAt) } : null,
    repeatOf: c.repeatOf,
    earlierComplaints: c.earlierComplaints,
    forwards: c.forwards,
    taskOutcome: c.taskOutcome,
    closedAt: iso(c.closedAt),
  };
}
