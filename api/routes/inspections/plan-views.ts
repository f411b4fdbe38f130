// A random-inspection plan as the routes answer it (plan-drafts.ts, plan-commit.ts, draws.ts),
// and the read every one of them starts from: the plan, if the caller reads it.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import { planById, type PlanRow } from '../../../db/queries/inspections.js';
import type { Principal } from '../../auth.js';
import { notFound } from '../../errors.js';
import { code } from '../../schemas.js';
import { planForReader } from './scope.js';

export const planParam = z.object({ planId: code });

const sharesOut = z.record(z.string(), z.record(z.string(), z.number()));
export const planView = z
  .object({
    planId: z.string(),
    name: z.string(),
    regionCode: z.string(),
    leadDepartmentCode: z.string(),
    departments: z.array(z.string()),
    items: z.array(z.string()),
    itemsPerTarget: z.number().int().nullable(),
    filter: z.object({ industries: z.array(z.string()).optional(), creditGrades: z.array(z.string()).optional() }),
    shares: sharesOut.describe('the share per credit grade and risk grade the draw applies (policy defaults filled in)'),
    inspectorsPerTarget: z.number().int(),
    periodStart: z.string(),
    periodEnd: z.string(),
    publicationDays: z.number().int(),
    status: z.enum(['draft', 'committed', 'drawn']),
    contentHash: z.string().nullable().describe('sha-256 of the committed content (docs/random-inspections.md)'),
    beacon: z.string().nullable(),
    beaconSource: z.string().nullable(),
    seed: z.string().nullable().describe('sha-256 of "sg-draw-v1\\n" + contentHash + "\\n" + beacon, fixed at commit'),
    committedAt: z.string().nullable(),
  })
  .meta({ id: 'InspectionPlan' });
export const toPlanView = (p: PlanRow): z.infer<typeof planView> => planView.parse({ ...p, committedAt: p.committedAt?.toISOString() ?? null });

export async function readablePlan(app: FastifyInstance, p: Principal, planId: string): Promise<PlanRow> {
  const plan = await planById(app.db, planId);
  if (!plan) throw notFound(`plan ${planId}`);
  return planForReader(p, plan);
}
