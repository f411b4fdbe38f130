// 一公开: the daily publication of random-inspection results (workflows/inspectionDraw.ts
// publishInspections, started by a Temporal Schedule at 09:00 Asia/Shanghai). Every result
// recorded and not withdrawn is published by the next run — well within the plan's period
// (default 20 working days after the inspection, kept as publish_due_at). Idempotent: a result is
// published once (published_at is set only where it is null), and each plan's step of a run is
// keyed by the plan and the first result it published.
import { and, isNull, lte, sql } from 'drizzle-orm';
import { inspectionResults } from '../../db/schema/index.js';
import { dateOf, shanghaiDayOf } from '../../workflows/domain/working-days.js';
import { recordStep } from '../steps.js';
import type { Ctx } from '../context.js';
import { planTrail } from './draw.js';

export interface PublicationRun {
  day: string;
  published: number;
  late: number;
}

async function publishDueResults(ctx: Ctx, _input: Record<string, never> = {}): Promise<PublicationRun> {
  const at = ctx.clock();
  const day = dateOf(shanghaiDayOf(at));
  return ctx.db.transaction(async (tx) => {
    const rows = await tx
      .update(inspectionResults)
      .set({ publishedAt: at })
      .where(and(isNull(inspectionResults.publishedAt), isNull(inspectionResults.withdrawnAt), lte(inspectionResults.recordedAt, at)))
      .returning({ id: inspectionResults.id, drawId: inspectionResults.drawId, creditCode: inspectionResults.creditCode, late: sql<boolean>`${inspectionResults.publishDueAt} < ${at.toISOString()}::timestamptz` });
    const byPlan = new Map<string, Array<{ id: number; creditCode: string }>>();
    for (const r of rows) byPlan.set(r.drawId, [...(byPlan.get(r.drawId) ?? []), r]);
    for (const [planId, published] of byPlan) {
      const codes = published.map((r) => r.creditCode);
      // Keyed by the batch's first result: a second run the same day records its own batch.
      await recordStep(tx, { key: `${planTrail(planId)}:published:${Math.min(...published.map((r) => r.id))}`, applicationNo: planTrail(planId), kind: 'results-published', summary: `${codes.length} result(s) published on the public feed (一公开)`, detail: { creditCodes: codes } }, at);
    }
    return { day, published: rows.length, late: rows.filter((r) => r.late).length };
  });
}

export const publication = { publishDueResults };
