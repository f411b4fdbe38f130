// 市县分工 for a running case (workflows/case/forward.ts, docs/case-forward.md): the case's
// row moves to the holder (its department and region, hence its scope, worklist and
// statistics) with the hop on its trail, in one statement. Keyed by the hop's number: a retry
// writes the same row again and records the hop once.
import { eq } from 'drizzle-orm';
import { cases } from '../../db/schema/index.js';
import type { CaseForwardArgs } from '../../workflows/contracts.js';
import type { Ctx } from '../context.js';
import { writeWithStep } from '../steps.js';

export interface CaseForwardInput extends CaseForwardArgs {
  applicationNo: string;
  hop: number;
  from: string;
}

export async function forwardCase({ db, clock }: Ctx, input: CaseForwardInput): Promise<void> {
  const now = clock();
  const { applicationNo, hop, from, toDepartment, toRegion, by, reason, actor, level, holderItemCode } = input;
  const how = by === 'division-of-powers' ? `by the division of powers (市县分工${level ? `, ${level} level` : ''})` : `by ${actor.sub}`;
  await writeWithStep(
    db,
    db.update(cases).set({ approvalDepartmentCode: toDepartment, regionCode: toRegion, updatedAt: now }).where(eq(cases.applicationNo, applicationNo)),
    {
      key: `${applicationNo}:forwarded:${hop}`,
      applicationNo,
      kind: 'case-forwarded',
      summary: `case forwarded from ${from} to ${toDepartment} ${how}: ${reason}`,
      actor,
      detail: { hop, from, to: toDepartment, toRegion, by, reason, ...(level && { level }), ...(holderItemCode && { holderItemCode }) },
    },
    now,
  );
}

export const caseForward = { forwardCase };
