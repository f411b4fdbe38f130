// 联合惩戒 on an entity (seed 002, 一处失信，处处受限): the issuing department of a measure records
// its decision to attach the measure to a dishonest entity (by credit code) for the measure's
// duration; it runs out by itself at the end of that period, and credit repair (信用修复) ends it
// early by a recorded decision — who, why, on what basis. Where it applies: the routing refuses
// 告知承诺 (activities/case/registration.ts), the portrait shows it, a draw reads its weight.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { and, eq, isNull } from 'drizzle-orm';
import { recordChange } from '../../db/catalog.js';
import { entityPunishments } from '../../db/schema/index.js';
import { listPunishments, measureByCode, punishmentById, statusAt, type PunishmentView } from '../../db/queries/leniency.js';
import { monthsPeriodEnd } from '../../workflows/domain/deadlines.js';
import { actorOf, changeActorOf, type Principal } from '../auth.js';
import { conflict, forbidden, notFound, problems, unprocessable } from '../errors.js';
import { actorSchema, code, creditCode, iso, isoInstant, shortText } from '../schemas.js';

const errors = problems(400, 401, 403, 404, 409, 422);
const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const YEAR_MS = 366 * 86_400_000;

const decision = z
  .object({
    creditCode,
    measureCode: code,
    decisionNo: shortText(100).describe('the decision document number (决定文书号): with the measure and the entity, the key of the decision'),
    reason: shortText(2000).describe('why: the serious dishonesty found (严重失信)'),
    startsAt: isoInstant.optional().describe('when the measure began (default now; not in the future, at most a year back)'),
  })
  .strict()
  .meta({ id: 'JointPunishmentDecision', examples: [{ creditCode: '91320700MA1QQ0RA9E', measureCode: 'LYG-CJ-001', decisionNo: '连信惩〔2026〕1号', reason: '虚假承诺，拒不整改' }] });

const repair = z
  .object({ reason: shortText(2000).describe('why the credit is repaired'), basis: shortText(1000).describe('the basis: the repair application and its proof (信用修复申请、整改材料)') })
  .strict()
  .meta({ id: 'CreditRepair', examples: [{ reason: '已完成整改并作出信用承诺', basis: '《失信行为纠正后的信用信息修复管理办法》第八条' }] });

export const punishmentView = z
  .object({
    id: z.number().int(),
    creditCode: z.string(),
    measureCode: z.string(),
    measureVersion: z.number().int(),
    measure: z.object({ name: z.string(), category: z.string(), legalBasis: z.string(), regionCode: z.string(), issuingDepartmentCode: z.string(), implementingDepartmentCodes: z.array(z.string()), restrictsCommitment: z.boolean(), inspectionWeight: z.number().int() }),
    decisionNo: z.string(),
    reason: z.string(),
    decidedBy: actorSchema,
    decidedAt: z.string(),
    startsAt: z.string(),
    endsAt: z.string().describe('the measure runs out at this instant by itself (its 惩戒期限)'),
    status: z.enum(['in-force', 'expired', 'repaired']),
    repair: z.object({ at: z.string(), by: actorSchema, reason: z.string(), basis: z.string() }).nullable().describe('信用修复: the decision that ended the measure early'),
  })
  .meta({ id: 'JointPunishment' });

export function viewOf({ row, measure, status }: PunishmentView): z.infer<typeof punishmentView> {
  return {
    id: row.id,
    creditCode: row.creditCode,
    measureCode: row.measureCode,
    measureVersion: row.measureVersion,
    measure: { name: measure.name, category: measure.category, legalBasis: measure.legalBasis, regionCode: measure.regionCode, issuingDepartmentCode: measure.departmentCode, implementingDepartmentCodes: measure.implementingDepartmentCodes, restrictsCommitment: measure.restrictsCommitment, inspectionWeight: measure.inspectionWeight },
    decisionNo: row.decisionNo,
    reason: row.reason,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt.toISOString(),
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    status,
    repair: row.repairedAt && row.repairedBy ? { at: row.repairedAt.toISOString(), by: row.repairedBy, reason: row.repairReason ?? '', basis: row.repairBasis ?? '' } : null,
  };
}

/** Who may see a decision: the operator, its measure's region's admin, its issuing and implementing departments. */
function mayRead(p: Principal, v: PunishmentView): boolean {
  if (p.role === 'operator') return true;
  if (p.role === 'regional-admin') return p.region === v.measure.regionCode;
  return !!p.department && (p.department === v.measure.departmentCode || v.measure.implementingDepartmentCodes.includes(p.department));
}

/** Credit repair: the issuing department, or the regional admin of the measure's region (its credit office). */
function mayRepair(p: Principal, v: PunishmentView): void {
  if (p.role === 'regional-admin' ? p.region === v.measure.regionCode : p.department === v.measure.departmentCode) return;
  throw forbidden(`joint punishment ${v.row.id} was decided by ${v.measure.departmentCode}: only it, or the regional admin of ${v.measure.regionCode}, may repair it`);
}

async function readable(db: Parameters<typeof punishmentById>[0], p: Principal, id: number): Promise<PunishmentView> {
  const v = await punishmentById(db, id);
  if (!v) throw notFound(`joint punishment ${id}`);
  if (!mayRead(p, v)) throw forbidden(`joint punishment ${id} belongs to ${v.measure.departmentCode} and the departments implementing measure ${v.row.measureCode}`);
  return v;
}

const jointPunishmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const staff = ['approval', 'supervision', 'regional-admin', 'operator'] as const;
  const listQuery = z.object({ creditCode: creditCode.optional() }).strict();
  app.get('/v1/joint-punishments', { config: { roles: staff }, schema: { operationId: 'listJointPunishments', tags: ['joint-punishment'], summary: 'Joint punishments (联合惩戒) decided: those the caller issued or implements (a regional admin: its region; the operator: all)', querystring: listQuery, response: { 200: z.object({ items: z.array(punishmentView) }), ...errors } } }, async (req) => {
    const p = req.principal;
    if (p.role !== 'operator' && p.role !== 'regional-admin' && !p.department) throw forbidden(`${p.sub} has no department`);
    const scope = p.role === 'operator' ? {} : p.role === 'regional-admin' ? { regionCode: p.region ?? '(none)' } : { departmentCode: p.department! };
    const now = new Date();
    const rows = await listPunishments(app.db, { ...scope, creditCode: req.query.creditCode });
    return { items: rows.map((r) => viewOf({ ...r, status: statusAt(r.row, now) })) };
  });

  app.get('/v1/joint-punishments/:id', { config: { roles: staff }, schema: { operationId: 'getJointPunishment', tags: ['joint-punishment'], summary: 'One joint punishment decided', params: idParam, response: { 200: punishmentView, ...errors } } }, async (req) => viewOf(await readable(app.db, req.principal, req.params.id)));

  app.post(
    '/v1/joint-punishments',
    {
      config: { roles: ['approval', 'supervision'] },
      schema: { operationId: 'decideJointPunishment', tags: ['joint-punishment'], summary: "Attach a joint-punishment measure to a dishonest entity: the measure's issuing department's recorded decision, for the measure's duration", body: decision, response: { 200: punishmentView, 201: punishmentView, ...errors } },
    },
    async (req, reply) => {
      const b = req.body;
      const measure = await measureByCode(app.db, b.measureCode);
      if (!measure) throw unprocessable(`joint-punishment measure ${b.measureCode} does not exist`);
      if (req.principal.department !== measure.departmentCode) throw forbidden(`measure ${measure.code} is decided by its issuing department ${measure.departmentCode} only, not by ${req.principal.department ?? '(no department)'}`);
      if (measure.repealedAt) throw unprocessable(`joint-punishment measure ${measure.code} was repealed on ${measure.repealedAt.toISOString()}`);
      const now = new Date();
      const startsAt = b.startsAt ? new Date(b.startsAt) : now;
      if (startsAt.getTime() > now.getTime() + 60_000) throw unprocessable(`startsAt ${b.startsAt} is in the future: a measure begins when it is decided, or earlier`);
      if (now.getTime() - startsAt.getTime() > YEAR_MS) throw unprocessable(`startsAt ${b.startsAt} is more than a year ago`);
      const actor = actorOf(req.principal);
      const values = { creditCode: b.creditCode, measureCode: measure.code, measureVersion: measure.version, decisionNo: b.decisionNo, reason: b.reason, decidedBy: actor, decidedAt: now, startsAt, endsAt: monthsPeriodEnd(startsAt, measure.durationMonths) };
      const key = `${measure.code}:${b.creditCode}:${b.decisionNo}`;
      const inserted = await app.db.transaction(async (tx) => {
        const [row] = await tx.insert(entityPunishments).values(values).onConflictDoNothing().returning();
        if (row) await recordChange(tx, { entity: 'joint-punishment', key, action: 'decide', actor: changeActorOf(req.principal), after: { ...values, id: row.id } });
        return row;
      });
      if (inserted) return reply.code(201).send(viewOf({ row: inserted, measure, status: statusAt(inserted, now) }));
      // The same decision again (a retry) answers the decision; another under its number is a conflict.
      const [existing] = await app.db.select().from(entityPunishments).where(and(eq(entityPunishments.measureCode, measure.code), eq(entityPunishments.creditCode, b.creditCode), eq(entityPunishments.decisionNo, b.decisionNo)));
      if (!existing || existing.reason !== b.reason) throw conflict(`decision ${b.decisionNo} of measure ${measure.code} on ${b.creditCode} is already recorded${existing ? ` (joint punishment ${existing.id}) with another reason` : ''}`);
      return reply.code(200).send(viewOf((await punishmentById(app.db, existing.id))!));
    },
  );

  app.post(
    '/v1/joint-punishments/:id/repair',
    { config: { roles: ['approval', 'supervision', 'regional-admin'] }, schema: { operationId: 'repairCredit', tags: ['joint-punishment'], summary: '信用修复: end a joint punishment early by a recorded decision (who, why, on what basis)', params: idParam, body: repair, response: { 200: punishmentView, ...errors } } },
    async (req) => {
      const v = await readable(app.db, req.principal, req.params.id);
      mayRepair(req.principal, v);
      if (v.status === 'repaired') throw conflict(`joint punishment ${v.row.id} was already repaired on ${iso(v.row.repairedAt)}`);
      if (v.status === 'expired') throw conflict(`joint punishment ${v.row.id} ran out on ${v.row.endsAt.toISOString()}: nothing to repair`);
      const now = new Date();
      const by = actorOf(req.principal);
      const done = await app.db.transaction(async (tx) => {
        const [row] = await tx
          .update(entityPunishments)
          .set({ repairedAt: now, repairedBy: by, repairReason: req.body.reason, repairBasis: req.body.basis })
          .where(and(eq(entityPunishments.id, v.row.id), isNull(entityPunishments.repairedAt)))
          .returning();
        if (row) await recordChange(tx, { entity: 'joint-punishment', key: `${v.row.measureCode}:${v.row.creditCode}:${v.row.decisionNo}`, action: 'repair', actor: changeActorOf(req.principal), before: { repairedAt: null }, after: { repairedAt: now.toISOString(), reason: req.body.reason, basis: req.body.basis } });
        return row;
      });
      if (!done) throw conflict(`joint punishment ${v.row.id} was repaired meanwhile`);
      return viewOf({ row: done, measure: v.measure, status: 'repaired' });
    },
  );
};

export default jointPunishmentRoutes;
