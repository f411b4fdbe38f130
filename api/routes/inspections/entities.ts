// The directory of market entities (检查对象名录库) with their credit and risk grades (双评估):
// one entry at a time, in bulk (bulk.ts), and from the applicants of the region's cases.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { inArray } from 'drizzle-orm';
import { entitiesFromCases, entityByCode, listEntities, saveEntity } from '../../../db/queries/inspections.js';
import { regionExists } from '../../../db/queries/organization.js';
import { regions } from '../../../db/schema/index.js';
import { changeActorOf, type Principal } from '../../auth.js';
import { creditGrade, marketEntitySchema, riskGrade, type MarketEntityBody } from '../../inspection-schemas.js';
import { forbidden, notFound, unprocessable } from '../../errors.js';
import { code, creditCode, pagination } from '../../schemas.js';
import type { RowProblem } from '../catalog/import-rows.js';
import { registerImport } from './bulk.js';
import { errors, firstProblem, readers, tags, writers } from './common.js';
import { callerRegion, outsideRegion } from './scope.js';

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

const entityInput = (b: MarketEntityBody) => ({ ...b, industry: b.industry ?? null, registeredAddress: b.registeredAddress ?? null });

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

const entityRoutes: FastifyPluginAsyncZod = async (app) => {
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
};

export default entityRoutes;
