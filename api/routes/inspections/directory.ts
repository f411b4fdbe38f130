// The directories of 双随机: market entities (检查对象名录库) with their credit and risk grades
// (双评估), and each department's roster of certified officers (执法检查人员名录库) with their
// conflicts of interest (回避). One entry at a time, in bulk (bulk.ts), and — for entities —
// from the applicants of the region's cases.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { eq, inArray } from 'drizzle-orm';
import { recordChange } from '../../../db/catalog.js';
import { conflictsOf, entitiesFromCases, entityByCode, inspectorByCertificate, inspectorById, listEntities, listInspectors, saveEntity, saveInspector, type InspectorRow } from '../../../db/queries/inspections.js';
import { departmentByCode, divisionByCode, regionExists } from '../../../db/queries/organization.js';
import { departments, divisions, inspectorConflicts, regions, supervisionItems } from '../../../db/schema/index.js';
import { actorOf, changeActorOf, type Principal } from '../../auth.js';
import { conflictSchema, creditGrade, inspectorSchema, marketEntitySchema, riskGrade, type InspectorBody, type MarketEntityBody } from '../../inspection-schemas.js';
import { forbidden, notFound, problems, unprocessable } from '../../errors.js';
import { code, creditCode, pagination } from '../../schemas.js';
import { acceptCsv } from '../catalog/import.js';
import type { RowProblem } from '../catalog/import-rows.js';
import { registerImport } from './bulk.js';
import { callerRegion, inspectorView, mayWriteRoster, outsideRegion, outsideRoster } from './scope.js';

const tags = ['random-inspections'];
const errors = problems(400, 401, 403, 404, 409, 422);
const readers = ['supervision', 'regional-admin', 'operator'] as const;
const writers = ['supervision', 'regional-admin'] as const;

const entityView = z
  .object({
    creditCode: z.string(),
    name: z.string(),
    regionCode: z.string(),
    industry: z.string().nullable(),
    registeredAddress: z.string().nullable(),
    creditGrade,
    creditSource: z.string(),
    creditAssessedOn: z.string(),
    origin: z.enum(['case', 'import', 'entry']),
    riskGrades: z.array(z.object({ scope: z.enum(['industry', 'item']), scopeCode: z.string(), grade: riskGrade, source: z.string(), assessedOn: z.string() })).optional(),
  })
  .meta({ id: 'MarketEntity' });
type EntityView = z.infer<typeof entityView>;
const toEntityView = (e: Record<string, unknown>): EntityView => entityView.parse(e);

const inspectorOut = z
  .object({ id: z.string(), departmentCode: z.string(), divisionCode: z.string().nullable(), name: z.string().describe('masked unless the caller is of the officer’s department'), certificateNo: z.string().describe('masked unless the caller is of the officer’s department'), certificateValidFrom: z.string(), certificateValidUntil: z.string(), items: z.array(z.string()), active: z.boolean() })
  .meta({ id: 'Inspector' });

const entityInput = (b: MarketEntityBody) => ({ ...b, industry: b.industry ?? null, registeredAddress: b.registeredAddress ?? null });
const inspectorInput = (b: InspectorBody) => ({ ...b, divisionCode: b.divisionCode ?? null });

/** Rows' problems against the database and the caller's region (entities). */
async function entityProblems(app: Parameters<FastifyPluginAsyncZod>[0], p: Principal, rows: Array<{ at: string; value: MarketEntityBody }>): Promise<RowProblem[]> {
  const wanted = [...new Set(rows.map((r) => r.value.regionCode))];
  const known = new Set(wanted.length ? (await app.db.select({ code: regions.code }).from(regions).where(inArray(regions.code, wanted))).map((r) => r.code) : []);
  const own = await callerRegion(app, p);
  const out: RowProblem[] = [];
  for (const { at, value } of rows) {
    if (!known.has(value.regionCode)) out.push({ field: `${at}.regionCode`, message: `region ${value.regionCode} does not exist` });
    else if (own !== value.regionCode) out.push({ field: `${at}.regionCode`, message: `the entity is in region ${value.regionCode}; you may write the directory of your region ${own} only`, forbidden: true });
    const before = await entityByCode(app.db, value.creditCode);
    if (before && before.regionCode !== own) out.push({ field: `${at}.creditCode`, message: `${value.creditCode} is in the directory of region ${before.regionCode}`, forbidden: true });
  }
  return out;
}

/** Rows' problems against the database and the caller's roster scope (inspectors). */
async function inspectorProblems(app: Parameters<FastifyPluginAsyncZod>[0], p: Principal, rows: Array<{ at: string; value: InspectorBody }>): Promise<RowProblem[]> {
  const depts = new Map((await app.db.select().from(departments).where(inArray(departments.code, [...new Set(rows.map((r) => r.value.departmentCode)), '']))).map((d) => [d.code, d]));
  const divs = new Map((await app.db.select().from(divisions).where(inArray(divisions.code, [...new Set(rows.flatMap((r) => (r.value.divisionCode ? [r.value.divisionCode] : []))), '']))).map((d) => [d.code, d]));
  const items = new Set((await app.db.select({ code: supervisionItems.code }).from(supervisionItems).where(inArray(supervisionItems.code, [...new Set(rows.flatMap((r) => r.value.items)), '']))).map((i) => i.code));
  const certificates = new Map<string, string>();
  const out: RowProblem[] = [];
  for (const { at, value: v } of rows) {
    const d = depts.get(v.departmentCode);
    if (!d) out.push({ field: `${at}.departmentCode`, message: `department ${v.departmentCode} does not exist` });
    else if (d.side !== 'supervision') out.push({ field: `${at}.departmentCode`, message: `department ${v.departmentCode} is on the ${d.side} side: inspectors belong to supervision departments` });
    if (v.divisionCode && divs.get(v.divisionCode)?.departmentCode !== v.departmentCode) out.push({ field: `${at}.divisionCode`, message: `division ${v.divisionCode} is not a division of ${v.departmentCode}` });
    for (const item of v.items) if (!items.has(item)) out.push({ field: `${at}.items`, message: `supervision item ${item} does not exist` });
    if (certificates.has(v.certificateNo)) out.push({ field: `${at}.certificateNo`, message: `certificate ${v.certificateNo} is already in ${certificates.get(v.certificateNo)}` });
    certificates.set(v.certificateNo, at);
    const holder = await inspectorByCertificate(app.db, v.certificateNo);
    if (holder && holder.id !== v.id) out.push({ field: `${at}.certificateNo`, message: `certificate ${v.certificateNo} is held by another officer (${holder.id})` });
    const scope = d ? await outsideRoster(app, p, v.departmentCode, v.divisionCode) : null;
    if (scope) out.push({ field: `${at}.departmentCode`, message: scope, forbidden: true });
    const before = await inspectorById(app.db, v.id);
    const moved = before && before.departmentCode !== v.departmentCode ? await outsideRoster(app, p, before.departmentCode, before.divisionCode) : null;
    if (moved) out.push({ field: `${at}.id`, message: `${v.id} is an officer of ${before!.departmentCode}: ${moved}`, forbidden: true });
  }
  return out;
}

/** A single POST is a file of one row: the same checks, the first problem answered. */
function firstProblem(found: RowProblem[]): void {
  const f = found.find((x) => x.forbidden) ?? found[0];
  if (!f) return;
  if (found.every((x) => x.forbidden)) throw forbidden(f.message);
  throw unprocessable(`${f.field.replace(/^body\./, '')}: ${f.message}`);
}

const directoryRoutes: FastifyPluginAsyncZod = async (app) => {
  acceptCsv(app);

  // ── market entities ──
  const entityQuery = z.object({ regionCode: code.optional(), industry: code.optional(), creditGrade: creditGrade.optional(), ...pagination }).strict();
  app.get('/v1/market-entities', { config: { roles: readers }, schema: { operationId: 'listMarketEntities', tags, summary: 'The directory of market entities (检查对象名录库) of the caller’s region', querystring: entityQuery, response: { 200: z.object({ items: z.array(entityView), total: z.number().int(), limit: z.number().int(), offset: z.number().int() }), ...errors } } }, async (req) => {
    const own = await callerRegion(app, req.principal);
    if (own && req.query.regionCode && req.query.regionCode !== own) throw forbidden(`the directory of region ${req.query.regionCode} is not yours (${own})`);
    const { items, total } = await listEntities(app.db, { ...req.query, regionCode: own ?? req.query.regionCode });
    return { items: items.map(toEntityView), total, limit: req.query.limit, offset: req.query.offset };
  });

  app.get('/v1/market-entities/:creditCode', { config: { roles: readers }, schema: { operationId: 'getMarketEntity', tags, summary: 'A market entity with its risk grades', params: z.object({ creditCode }), response: { 200: entityView, ...errors } } }, async (req) => {
    const e = await entityByCode(app.db, req.params.creditCode);
    if (!e) throw notFound(`market entity ${req.params.creditCode}`);
    const own = await callerRegion(app, req.principal);
    if (own && own !== e.regionCode) throw forbidden(`market entity ${e.creditCode} is in region ${e.regionCode}, not in your region ${own}`);
    return toEntityView(e);
  });

  app.post('/v1/market-entities', { config: { roles: writers }, schema: { operationId: 'saveMarketEntity', tags, summary: 'Create or replace a market entity (whole, its risk grades with it)', body: marketEntitySchema, response: { 200: entityView, 201: entityView, ...errors } } }, async (req, reply) => {
    if (!(await regionExists(app.db, req.body.regionCode))) throw unprocessable(`region ${req.body.regionCode} does not exist`);
    const scope = await outsideRegion(app, req.principal, req.body.regionCode);
    if (scope) throw forbidden(scope);
    firstProblem(await entityProblems(app, req.principal, [{ at: 'body', value: req.body }]));
    const r = await app.db.transaction((tx) => saveEntity(tx, entityInput(req.body), 'entry', changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send(toEntityView((await entityByCode(app.db, req.body.creditCode))!));
  });

  registerImport(app, {
    url: '/v1/market-entities/import',
    operationId: 'importMarketEntities',
    noun: 'market entities',
    tags,
    roles: writers,
    schema: marketEntitySchema,
    key: (e) => e.creditCode,
    check: (p, rows) => entityProblems(app, p, rows),
    write: (tx, e, p) => saveEntity(tx, entityInput(e), 'import', changeActorOf(p)),
  });

  app.post('/v1/market-entities/from-cases', { config: { roles: writers }, schema: { operationId: 'marketEntitiesFromCases', tags, summary: 'Add the applicants of the region’s cases that the directory lacks', description: 'Each applicant not yet in the directory is added with the credit grade of its latest pre-check; entries already there are left as they are.', response: { 200: z.object({ added: z.array(z.string()) }), ...errors } } }, async (req) => {
    const region = (await callerRegion(app, req.principal))!;
    return { added: await entitiesFromCases(app.db, region, changeActorOf(req.principal)) };
  });

  // ── inspectors ──
  const rosterQuery = z.object({ departmentCode: code.optional() }).strict();
  app.get('/v1/inspectors', { config: { roles: readers }, schema: { operationId: 'listInspectors', tags, summary: 'Certified officers (执法检查人员名录库): a department its own, a regional admin its region’s, masked', querystring: rosterQuery, response: { 200: z.object({ items: z.array(inspectorOut) }), ...errors } } }, async (req) => {
    const p = req.principal;
    let scope: string[] | null = null;
    if (p.role === 'supervision') scope = [p.department ?? ''];
    if (p.role === 'regional-admin') scope = await regionDepartments(p.region ?? '');
    if (req.query.departmentCode) {
      if (scope && !scope.includes(req.query.departmentCode)) throw forbidden(`the roster of ${req.query.departmentCode} is not yours`);
      scope = [req.query.departmentCode];
    }
    const rows: InspectorRow[] = await listInspectors(app.db, scope);
    return { items: rows.filter((i) => !p.division || p.role !== 'supervision' || !i.divisionCode || i.divisionCode === p.division).map((i) => inspectorView(i, p)) };
  });

  async function regionDepartments(region: string): Promise<string[]> {
    return (await app.db.select({ code: departments.code }).from(departments).where(eq(departments.regionCode, region))).map((d) => d.code);
  }

  app.post('/v1/inspectors', { config: { roles: writers }, schema: { operationId: 'saveInspector', tags, summary: 'Create or replace an officer of the roster (active: false takes them off the draws)', body: inspectorSchema, response: { 200: inspectorOut, 201: inspectorOut, ...errors } } }, async (req, reply) => {
    const d = await departmentByCode(app.db, req.body.departmentCode);
    if (!d) throw unprocessable(`department ${req.body.departmentCode} does not exist`);
    mayWriteRoster(await outsideRoster(app, req.principal, d.code, req.body.divisionCode));
    if (req.body.divisionCode && (await divisionByCode(app.db, req.body.divisionCode))?.departmentCode !== d.code) throw unprocessable(`division ${req.body.divisionCode} is not a division of ${d.code}`);
    firstProblem(await inspectorProblems(app, req.principal, [{ at: 'body', value: req.body }]));
    const r = await app.db.transaction((tx) => saveInspector(tx, inspectorInput(req.body), changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send(inspectorView((await inspectorById(app.db, req.body.id))!, req.principal));
  });

  registerImport(app, {
    url: '/v1/inspectors/import',
    operationId: 'importInspectors',
    noun: 'inspectors',
    tags,
    roles: writers,
    schema: inspectorSchema,
    key: (i) => i.id,
    check: (p, rows) => inspectorProblems(app, p, rows),
    write: (tx, i, p) => saveInspector(tx, inspectorInput(i), changeActorOf(p)),
  });

  // ── conflicts of interest (回避) ──
  const inspectorParam = z.object({ id: code });
  const conflictView = z.object({ inspectorId: z.string(), creditCode: z.string(), reason: z.string(), recordedAt: z.string() }).meta({ id: 'InspectorConflict' });
  /** An officer the caller may act for: their department (or division), a regional admin of its region. */
  async function rosterEntry(p: Principal, id: string): Promise<InspectorRow> {
    const i = await inspectorById(app.db, id);
    if (!i) throw notFound(`inspector ${id}`);
    mayWriteRoster(await outsideRoster(app, p, i.departmentCode, p.division ? i.divisionCode : undefined));
    return i;
  }
  app.get('/v1/inspectors/:id/conflicts', { config: { roles: writers }, schema: { operationId: 'listInspectorConflicts', tags, summary: 'An officer’s conflicts of interest (回避)', params: inspectorParam, response: { 200: z.object({ items: z.array(conflictView) }), ...errors } } }, async (req) => {
    const i = await rosterEntry(req.principal, req.params.id);
    return { items: (await conflictsOf(app.db, i.id)).map((c) => ({ inspectorId: c.inspectorId, creditCode: c.creditCode, reason: c.reason, recordedAt: c.recordedAt.toISOString() })) };
  });
  app.post('/v1/inspectors/:id/conflicts', { config: { roles: writers }, schema: { operationId: 'recordInspectorConflict', tags, summary: 'Record that an officer may not inspect an entity (回避); once per pair', params: inspectorParam, body: conflictSchema, response: { 200: conflictView, 201: conflictView, ...errors } } }, async (req, reply) => {
    const i = await rosterEntry(req.principal, req.params.id);
    const row = await app.db.transaction(async (tx) => {
      const [r] = await tx.insert(inspectorConflicts).values({ inspectorId: i.id, creditCode: req.body.creditCode, reason: req.body.reason, recordedBy: actorOf(req.principal) }).onConflictDoNothing().returning();
      if (r) await recordChange(tx, { entity: 'inspector-conflict', key: `${i.id}:${r.creditCode}`, action: 'create', actor: changeActorOf(req.principal), after: { inspectorId: i.id, creditCode: r.creditCode, reason: r.reason } });
      return r;
    });
    const kept = row ?? (await conflictsOf(app.db, i.id)).find((c) => c.creditCode === req.body.creditCode)!;
    return reply.code(row ? 201 : 200).send({ inspectorId: kept.inspectorId, creditCode: kept.creditCode, reason: kept.reason, recordedAt: kept.recordedAt.toISOString() });
  });
};

export default directoryRoutes;
