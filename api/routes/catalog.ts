// Catalogs (目录清单): approval and supervision items, and the linkage lifecycle
// (审管联动事项关联): approval proposes → supervision confirms with its sub-item and division,
// or either side disputes → an arbiter (编办 / 司法) settles.
import { and, asc, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { alerts, approvalItems, cases, deadlinePolicies, departments, divisions, linkages, regions, supervisionItems } from '../../db/schema/index.js';
import { newItemVersion, recordChange, upsertApprovalItem, upsertSupervisionItem, type ChangeActor } from '../../db/catalog.js';
import { linkagesChangedSignal } from '../../workflows/contracts.js';
import { ROLES, type Principal } from '../auth.js';
import { approvalItemFields, approvalItemSchema, supervisionItemSchema } from '../catalog-schemas.js';
import { conflict, forbidden, notFound, problemSchema, unprocessable } from '../errors.js';
import { code, shortText } from '../schemas.js';

const linkageView = z.object({
  id: z.number().int(),
  approvalItemCode: z.string(),
  supervisionDepartmentCode: z.string(),
  supervisionItemCode: z.string().nullable(),
  divisionCode: z.string().nullable(),
  status: z.enum(['proposed', 'confirmed', 'disputed', 'rejected']),
  proposedBy: z.string().nullable(),
  confirmedBy: z.string().nullable(),
  disputeReason: z.string().nullable(),
  disputedBy: z.string().nullable(),
  settledBy: z.string().nullable(),
  settlement: z.string().nullable(),
});
type LinkageRow = typeof linkages.$inferSelect;
const view = (l: LinkageRow): z.infer<typeof linkageView> => ({
  id: l.id,
  approvalItemCode: l.approvalItemCode,
  supervisionDepartmentCode: l.supervisionDepartmentCode,
  supervisionItemCode: l.supervisionItemCode,
  divisionCode: l.divisionCode,
  status: l.status,
  proposedBy: l.proposedBy,
  confirmedBy: l.confirmedBy,
  disputeReason: l.disputeReason,
  disputedBy: l.disputedBy,
  settledBy: l.settledBy,
  settlement: l.settlement,
});

const itemView = approvalItemFields.extend({ version: z.number().int(), subItem: z.string().nullable(), commitmentPeriodDays: z.number().int().nullable(), deadlinePolicy: z.string().nullable() });
const supervisionView = supervisionItemSchema.extend({ subItem: z.string().nullable(), divisionCode: z.string().nullable(), inspectionMethod: z.string().nullable(), legalBasis: z.string().nullable() });
const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const actorOf = (p: Principal): ChangeActor => ({ sub: p.sub, role: p.role, ...(p.department && { department: p.department }) });

const catalogRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 409: problemSchema, 422: problemSchema };

  /** The region of a department, or a 422 naming it. */
  const departmentOf = async (codeValue: string, side?: 'approval' | 'supervision') => {
    const [d] = await db.select().from(departments).where(eq(departments.code, codeValue));
    if (!d) throw unprocessable(`department ${codeValue} does not exist`);
    if (side && d.side !== side) throw unprocessable(`department ${codeValue} is on the ${d.side} side, not ${side}`);
    return d;
  };
  /** Regional admins write for their region; a department writes its own entries. */
  const mayWrite = (p: Principal, dept: { code: string; regionCode: string }) => {
    if (p.role === 'regional-admin' ? p.region === dept.regionCode : p.department === dept.code) return;
    throw forbidden(`${p.sub} may not change the catalog of department ${dept.code}`);
  };

  // ── approval items ──
  app.get(
    '/v1/approval-items',
    { config: { roles: ROLES }, schema: { tags: ['catalog'], summary: 'Approval items (审批事项)', querystring: z.object({ departmentCode: code.optional(), regionCode: code.optional() }).strict(), response: { 200: z.object({ items: z.array(itemView) }), ...errors } } },
    async (req) => {
      const where: SQL[] = [];
      if (req.query.departmentCode) where.push(eq(approvalItems.departmentCode, req.query.departmentCode));
      if (req.query.regionCode) where.push(eq(approvalItems.regionCode, req.query.regionCode));
      const rows = await db.select().from(approvalItems).where(and(...where)).orderBy(asc(approvalItems.code));
      return { items: rows.map(({ updatedAt: _u, ...r }) => ({ ...r, type: r.type as z.infer<typeof itemView>['type'], commitmentScenarios: r.commitmentScenarios as z.infer<typeof itemView>['commitmentScenarios'], commitmentMinimumGrade: r.commitmentMinimumGrade as 'A' | 'B' | 'C' | 'D' })) };
    },
  );
  app.post(
    '/v1/approval-items',
    {
      config: { roles: ['regional-admin', 'approval'] },
      schema: { tags: ['catalog'], summary: 'Create or change an approval item (a new version; running cases keep theirs)', body: approvalItemSchema, response: { 200: z.object({ code: z.string(), version: z.number().int() }), 201: z.object({ code: z.string(), version: z.number().int() }), ...errors } },
    },
    async (req, reply) => {
      const dept = await departmentOf(req.body.departmentCode, 'approval');
      mayWrite(req.principal, dept);
      const [region] = await db.select().from(regions).where(eq(regions.code, req.body.regionCode));
      if (!region) throw unprocessable(`region ${req.body.regionCode} does not exist`);
      if (req.body.deadlinePolicy) {
        const [policy] = await db.select().from(deadlinePolicies).where(eq(deadlinePolicies.code, req.body.deadlinePolicy));
        if (!policy) throw unprocessable(`deadline policy ${req.body.deadlinePolicy} does not exist`);
      }
      // Changing an existing item needs the right over the department that owns it now too,
      // so no one takes over another department's item by posting its code.
      const [existing] = await db.select({ departmentCode: approvalItems.departmentCode }).from(approvalItems).where(eq(approvalItems.code, req.body.code));
      if (existing && existing.departmentCode !== dept.code) mayWrite(req.principal, await departmentOf(existing.departmentCode));
      const r = await db.transaction((tx) => upsertApprovalItem(tx, { ...req.body, subItem: req.body.subItem ?? null, commitmentPeriodDays: req.body.commitmentPeriodDays ?? null, deadlinePolicy: req.body.deadlinePolicy ?? null }, actorOf(req.principal)));
      return reply.code(r.created ? 201 : 200).send({ code: req.body.code, version: r.version });
    },
  );

  // ── supervision items ──
  app.get(
    '/v1/supervision-items',
    { config: { roles: ROLES }, schema: { tags: ['catalog'], summary: 'Supervision items (监管事项)', querystring: z.object({ departmentCode: code.optional() }).strict(), response: { 200: z.object({ items: z.array(supervisionView) }), ...errors } } },
    async (req) => {
      const rows = await db.select().from(supervisionItems).where(req.query.departmentCode ? eq(supervisionItems.departmentCode, req.query.departmentCode) : undefined).orderBy(asc(supervisionItems.code));
      return { items: rows.map(({ updatedAt: _u, ...r }) => r) };
    },
  );
  app.post(
    '/v1/supervision-items',
    {
      config: { roles: ['regional-admin', 'supervision'] },
      schema: { tags: ['catalog'], summary: 'Create or change a supervision item', body: supervisionItemSchema, response: { 200: z.object({ code: z.string() }), 201: z.object({ code: z.string() }), ...errors } },
    },
    async (req, reply) => {
      const dept = await departmentOf(req.body.departmentCode, 'supervision');
      mayWrite(req.principal, dept);
      const [existing] = await db.select({ departmentCode: supervisionItems.departmentCode }).from(supervisionItems).where(eq(supervisionItems.code, req.body.code));
      if (existing && existing.departmentCode !== dept.code) mayWrite(req.principal, await departmentOf(existing.departmentCode));
      if (req.body.divisionCode) {
        const [div] = await db.select().from(divisions).where(eq(divisions.code, req.body.divisionCode));
        if (div?.departmentCode !== dept.code) throw unprocessable(`division ${req.body.divisionCode} is not a division of ${dept.code}`);
      }
      const r = await db.transaction((tx) => upsertSupervisionItem(tx, { ...req.body, subItem: req.body.subItem ?? null, divisionCode: req.body.divisionCode ?? null, inspectionMethod: req.body.inspectionMethod ?? null, legalBasis: req.body.legalBasis ?? null }, actorOf(req.principal)));
      return reply.code(r.created ? 201 : 200).send({ code: req.body.code });
    },
  );

  // ── linkages ──
  app.get(
    '/v1/linkages',
    {
      config: { roles: ROLES },
      schema: { tags: ['linkages'], summary: 'The linkage catalog', querystring: z.object({ approvalItemCode: code.optional(), departmentCode: code.optional(), status: linkageView.shape.status.optional() }).strict(), response: { 200: z.object({ items: z.array(linkageView) }), ...errors } },
    },
    async (req) => {
      const where: SQL[] = [];
      if (req.query.approvalItemCode) where.push(eq(linkages.approvalItemCode, req.query.approvalItemCode));
      if (req.query.departmentCode) where.push(eq(linkages.supervisionDepartmentCode, req.query.departmentCode));
      if (req.query.status) where.push(eq(linkages.status, req.query.status));
      return { items: (await db.select().from(linkages).where(and(...where)).orderBy(asc(linkages.id))).map(view) };
    },
  );

  app.post(
    '/v1/linkages',
    {
      config: { roles: ['approval'] },
      schema: {
        tags: ['linkages'],
        summary: 'Propose the supervising department of an approval item (谁审批谁负责)',
        body: z.object({ approvalItemCode: code, supervisionDepartmentCode: code }).strict(),
        response: { 201: linkageView, ...errors },
      },
    },
    async (req, reply) => {
      const [item] = await db.select().from(approvalItems).where(eq(approvalItems.code, req.body.approvalItemCode));
      if (!item) throw unprocessable(`approval item ${req.body.approvalItemCode} does not exist`);
      if (item.departmentCode !== req.principal.department) throw forbidden(`approval item ${item.code} belongs to department ${item.departmentCode}`);
      await departmentOf(req.body.supervisionDepartmentCode, 'supervision');
      const [existing] = await db.select().from(linkages).where(and(eq(linkages.approvalItemCode, item.code), eq(linkages.supervisionDepartmentCode, req.body.supervisionDepartmentCode)));
      if (existing) throw conflict(`linkage ${existing.id} of ${item.code} to ${req.body.supervisionDepartmentCode} already exists (${existing.status})`);
      const row = await db.transaction(async (tx) => {
        const [l] = await tx.insert(linkages).values({ approvalItemCode: item.code, supervisionDepartmentCode: req.body.supervisionDepartmentCode, status: 'proposed', proposedBy: req.principal.sub }).returning();
        await recordChange(tx, { entity: 'linkage', key: String(l!.id), action: 'propose', actor: actorOf(req.principal), after: l });
        return l!;
      });
      return reply.code(201).send(view(row));
    },
  );

  const linkageById = async (id: number) => {
    const [l] = await db.select().from(linkages).where(eq(linkages.id, id));
    if (!l) throw notFound(`linkage ${id}`);
    return l;
  };

  /** A confirmed linkage routes live work: the item gets a new version, and unrouted cases try again. */
  const afterRoutingChange = async (itemCode: string) => {
    const unrouted = await db.select({ workflowId: cases.workflowId }).from(cases).where(and(eq(cases.itemCode, itemCode), eq(cases.stage, 'unrouted')));
    for (const c of unrouted) {
      // The case also re-checks by itself once a day, so a lost signal only delays it.
      await app.deps.temporal.workflow.getHandle(c.workflowId).signal(linkagesChangedSignal, { itemCode }).catch((err: unknown) => app.log.warn({ err, workflowId: c.workflowId }, 'could not signal an unrouted case'));
    }
  };

  app.post(
    '/v1/linkages/:id/confirm',
    {
      config: { roles: ['supervision'] },
      schema: {
        tags: ['linkages'],
        summary: 'Confirm a proposed linkage by attaching the supervision sub-item and division (谁主管谁监管)',
        params: idParam,
        body: z.object({ supervisionItemCode: code, divisionCode: code }).strict(),
        response: { 200: linkageView, ...errors },
      },
    },
    async (req) => {
      const l = await linkageById(req.params.id);
      if (req.principal.department !== l.supervisionDepartmentCode) throw forbidden(`linkage ${l.id} names department ${l.supervisionDepartmentCode}; only it confirms`);
      if (l.status !== 'proposed') throw conflict(`linkage ${l.id} is ${l.status}, not proposed`);
      const [si] = await db.select().from(supervisionItems).where(eq(supervisionItems.code, req.body.supervisionItemCode));
      if (si?.departmentCode !== l.supervisionDepartmentCode) throw unprocessable(`supervision item ${req.body.supervisionItemCode} is not one of ${l.supervisionDepartmentCode}`);
      const [div] = await db.select().from(divisions).where(eq(divisions.code, req.body.divisionCode));
      if (div?.departmentCode !== l.supervisionDepartmentCode) throw unprocessable(`division ${req.body.divisionCode} is not a division of ${l.supervisionDepartmentCode}`);
      const row = await db.transaction(async (tx) => {
        const [after] = await tx
          .update(linkages)
          .set({ status: 'confirmed', supervisionItemCode: si.code, divisionCode: div.code, confirmedBy: req.principal.sub, updatedAt: new Date() })
          .where(eq(linkages.id, l.id))
          .returning();
        await recordChange(tx, { entity: 'linkage', key: String(l.id), action: 'confirm', actor: actorOf(req.principal), before: l, after });
        await newItemVersion(tx, l.approvalItemCode, `linkage ${l.id} to ${l.supervisionDepartmentCode} confirmed`, actorOf(req.principal));
        return after!;
      });
      await afterRoutingChange(l.approvalItemCode);
      return view(row);
    },
  );

  app.post(
    '/v1/linkages/:id/dispute',
    {
      config: { roles: ['approval', 'supervision'] },
      schema: { tags: ['linkages'], summary: 'Dispute a linkage (either side), with the reason; an arbiter settles it', params: idParam, body: z.object({ reason: shortText(2000) }).strict(), response: { 200: linkageView, ...errors } },
    },
    async (req) => {
      const l = await linkageById(req.params.id);
      const [item] = await db.select().from(approvalItems).where(eq(approvalItems.code, l.approvalItemCode));
      const party = req.principal.role === 'approval' ? req.principal.department === item?.departmentCode : req.principal.department === l.supervisionDepartmentCode;
      if (!party) throw forbidden(`only the approving department of ${l.approvalItemCode} or ${l.supervisionDepartmentCode} may dispute linkage ${l.id}`);
      if (l.settledBy) throw conflict(`linkage ${l.id} was settled by ${l.settledBy}; the settlement is binding`);
      if (l.status !== 'proposed' && l.status !== 'confirmed') throw conflict(`linkage ${l.id} is ${l.status}`);
      const row = await db.transaction(async (tx) => {
        const [after] = await tx.update(linkages).set({ status: 'disputed', disputeReason: req.body.reason, disputedBy: req.principal.sub, updatedAt: new Date() }).where(eq(linkages.id, l.id)).returning();
        await recordChange(tx, { entity: 'linkage', key: String(l.id), action: 'dispute', actor: actorOf(req.principal), before: l, after });
        // A disputed linkage no longer routes new work; running cases keep their version.
        if (l.status === 'confirmed') await newItemVersion(tx, l.approvalItemCode, `linkage ${l.id} disputed`, actorOf(req.principal));
        return after!;
      });
      return view(row);
    },
  );

  app.post(
    '/v1/linkages/:id/settle',
    {
      config: { roles: ['arbiter'] },
      schema: {
        tags: ['linkages'],
        summary: 'Settle a disputed linkage: assign it to a department, or reject it (编办 / 司法)',
        params: idParam,
        body: z
          .object({
            decision: z.enum(['assign', 'reject']),
            departmentCode: code.optional().describe('with assign: the department that supervises'),
            supervisionItemCode: code.optional().describe('with assign: confirms at once when given with divisionCode'),
            divisionCode: code.optional(),
            note: shortText(2000),
          })
          .strict()
          .refine((b) => b.decision === 'reject' || b.departmentCode, { message: 'assign needs departmentCode', path: ['departmentCode'] })
          .refine((b) => Boolean(b.supervisionItemCode) === Boolean(b.divisionCode), { message: 'supervisionItemCode and divisionCode go together', path: ['divisionCode'] }),
        response: { 200: linkageView, ...errors },
      },
    },
    async (req) => {
      const l = await linkageById(req.params.id);
      if (l.status !== 'disputed') throw conflict(`linkage ${l.id} is ${l.status}, not disputed`);
      const b = req.body;
      let set: Partial<LinkageRow>;
      if (b.decision === 'reject') {
        set = { status: 'rejected' };
      } else {
        const dept = await departmentOf(b.departmentCode!, 'supervision');
        if (dept.code !== l.supervisionDepartmentCode) {
          const [clash] = await db.select().from(linkages).where(and(eq(linkages.approvalItemCode, l.approvalItemCode), eq(linkages.supervisionDepartmentCode, dept.code)));
          if (clash) throw conflict(`item ${l.approvalItemCode} already has linkage ${clash.id} to ${dept.code}`);
        }
        set = { status: 'proposed', supervisionDepartmentCode: dept.code, supervisionItemCode: null, divisionCode: null, confirmedBy: null };
        if (b.supervisionItemCode && b.divisionCode) {
          const [si] = await db.select().from(supervisionItems).where(eq(supervisionItems.code, b.supervisionItemCode));
          const [div] = await db.select().from(divisions).where(eq(divisions.code, b.divisionCode));
          if (si?.departmentCode !== dept.code || div?.departmentCode !== dept.code) throw unprocessable(`supervision item and division must belong to ${dept.code}`);
          set = { ...set, status: 'confirmed', supervisionItemCode: si.code, divisionCode: div.code, confirmedBy: req.principal.sub };
        }
      }
      const row = await db.transaction(async (tx) => {
        const [after] = await tx.update(linkages).set({ ...set, settledBy: req.principal.sub, settlement: `${b.decision}: ${b.note}`, updatedAt: new Date() }).where(eq(linkages.id, l.id)).returning();
        await recordChange(tx, { entity: 'linkage', key: String(l.id), action: `settle-${b.decision}`, actor: actorOf(req.principal), before: l, after });
        if (after!.status === 'confirmed') await newItemVersion(tx, l.approvalItemCode, `linkage ${l.id} settled: ${b.note}`, actorOf(req.principal));
        return after!;
      });
      if (row.status === 'confirmed') await afterRoutingChange(l.approvalItemCode);
      return view(row);
    },
  );

  // ── routing alerts ──
  app.get(
    '/v1/alerts',
    {
      config: { roles: ['regional-admin', 'operator'] },
      schema: {
        tags: ['catalog'],
        summary: 'Routing exceptions: cases approved for an item with no confirmed linkage (unrouted)',
        querystring: z.object({ open: z.enum(['true', 'false']).default('true') }).strict(),
        response: { 200: z.object({ items: z.array(z.object({ id: z.number().int(), kind: z.string(), regionCode: z.string(), applicationNo: z.string().nullable(), itemCode: z.string().nullable(), message: z.string(), raisedAt: z.string(), resolvedAt: z.string().nullable(), resolution: z.string().nullable() })) }), ...errors },
      },
    },
    async (req) => {
      const where: SQL[] = [];
      if (req.principal.role === 'regional-admin') where.push(eq(alerts.regionCode, req.principal.region ?? '-'));
      if (req.query.open === 'true') where.push(isNull(alerts.resolvedAt));
      const rows = await db.select().from(alerts).where(and(...where)).orderBy(asc(alerts.id));
      return { items: rows.map((a) => ({ ...a, raisedAt: a.raisedAt.toISOString(), resolvedAt: a.resolvedAt?.toISOString() ?? null })) };
    },
  );
};

export default catalogRoutes;
