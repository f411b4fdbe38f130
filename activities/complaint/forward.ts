// 转办: the division that holds a complaint (the coordinating office that received what no one
// was competent for, or a department that is not competent) hands it to the competent
// department. The complaint's row moves (and with it who may read and reply to it), the hop goes
// on the trail, and the new division gets a task with its own claim window; the reply window
// keeps running from the receipt (docs/complaints.md).
import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, eq, sql } from 'drizzle-orm';
import { snapshotOf } from '../../db/policies.js';
import { complaints, departments, divisions, type ComplaintForward } from '../../db/schema/index.js';
import { FailureType, type Actor, type ClaimWindow } from '../../workflows/contracts.js';
import { formatShanghai } from '../../workflows/domain/format.js';
import type { Ctx } from '../context.js';
import { claimDue } from '../policy.js';
import { recordStep, type Writer } from '../steps.js';
import { regionPolicy, taskIdOf, type ComplaintRoute } from './intake.js';

export interface ForwardInput {
  complaintNo: string;
  /** The hop's number (0 for the first): its key, so that a retry finds the hop it made. */
  hop: number;
  actor: Actor;
  to: { departmentCode: string; divisionCode?: string };
  reason: string;
}

export interface Forwarded {
  route: ComplaintRoute;
  taskId: string;
  claimWindow: ClaimWindow;
}

const refused = (type: FailureType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });

/** The division of the department in the region that takes it: the one named, else the department's first. */
async function targetOf(db: Writer, regionCode: string, to: ForwardInput['to']): Promise<{ departmentCode: string; divisionCode: string }> {
  const [d] = await db
    .select({ departmentCode: departments.code, divisionCode: divisions.code })
    .from(departments)
    .innerJoin(divisions, eq(divisions.departmentCode, departments.code))
    .where(and(eq(departments.code, to.departmentCode), eq(departments.regionCode, regionCode), to.divisionCode ? eq(divisions.code, to.divisionCode) : undefined))
    .orderBy(asc(divisions.code))
    .limit(1);
  if (!d) throw refused(FailureType.CatalogError, to.divisionCode ? `division ${to.divisionCode} of department ${to.departmentCode} is not in region ${regionCode}'s catalog` : `department ${to.departmentCode} with a division is not in region ${regionCode}'s catalog`);
  return d;
}

async function claimWindowOf(ctx: Ctx, regionCode: string, at: Date): Promise<ClaimWindow> {
  const policy = snapshotOf(await regionPolicy(ctx.db, regionCode));
  return { openedAt: at.toISOString(), ...claimDue(await ctx.calendar.current(regionCode), policy, at), policy };
}

export async function forwardComplaint(ctx: Ctx, input: ForwardInput): Promise<Forwarded> {
  const { db } = ctx;
  const no = input.complaintNo;
  const [c] = await db.select().from(complaints).where(eq(complaints.complaintNo, no));
  if (!c) throw refused(FailureType.CatalogError, `complaint ${no} not found`);
  const done = c.forwards[input.hop];
  const answer = async (h: ComplaintForward) => ({ route: { departmentCode: h.to.departmentCode, divisionCode: h.to.divisionCode, by: c.routedBy as ComplaintRoute['by'] }, taskId: h.to.taskId, claimWindow: await claimWindowOf(ctx, c.regionCode, new Date(h.at)) });
  if (done) return answer(done); // a retry: the hop is made
  const to = await targetOf(db, c.regionCode, input.to);
  // One task per department and complaint: it does not go back to a department that had it.
  const held = [c.forwards[0]?.from.departmentCode ?? c.departmentCode, ...c.forwards.map((f) => f.to.departmentCode)];
  if (held.includes(to.departmentCode)) throw refused(FailureType.InvalidState, `complaint ${no} was with ${to.departmentCode} already: it is not forwarded back (hops: ${held.join(' → ')})`);
  const at = ctx.clock();
  const hop: ComplaintForward = { from: { departmentCode: c.departmentCode, divisionCode: c.divisionCode, taskId: c.taskId }, to: { ...to, taskId: taskIdOf(no, to.departmentCode) }, reason: input.reason, by: input.actor, at: at.toISOString() };
  await db.transaction(async (tx) => {
    const moved = await tx
      .update(complaints)
      .set({ departmentCode: to.departmentCode, divisionCode: to.divisionCode, taskId: hop.to.taskId, forwards: [...c.forwards, hop] })
      .where(and(eq(complaints.complaintNo, no), sql`jsonb_array_length(${complaints.forwards}) = ${input.hop}`))
      .returning({ no: complaints.complaintNo });
    if (moved.length === 0) return;
    await recordStep(tx, {
      key: `${no}:forwarded:${input.hop}`, applicationNo: no, taskId: c.taskId, kind: 'complaint-forwarded', actor: input.actor,
      summary: `forwarded (转办) by ${c.departmentCode} / ${c.divisionCode} to ${to.departmentCode} / ${to.divisionCode} (task ${hop.to.taskId}): ${input.reason}; the reply stays due ${formatShanghai(c.replyDueAt)}`,
      detail: { hop: input.hop + 1, from: hop.from, to: hop.to, reason: input.reason },
    }, at);
  });
  const [row] = await db.select({ forwards: complaints.forwards }).from(complaints).where(eq(complaints.complaintNo, no));
  return answer(row!.forwards[input.hop]!);
}

export const forward = { forwardComplaint };
