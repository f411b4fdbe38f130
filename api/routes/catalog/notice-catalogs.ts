// The two catalogs that route registration notices (双告知, docs/notices.md): the business-scope
// mapping (经营范围 → approval items) and the division of powers (市县分工: which level and
// department holds an item in an area). Per region, written by the regional admin of the area
// (a city's admin for its counties too), one entry at a time or imported all or nothing; each
// change a new version of the entry, on the change log. The imports (JSON or CSV) are in
// notice-imports.ts.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalItemByCode, policyUnits, worldMisfit } from '../../../db/queries/catalog.js';
import { departmentByCode, regionExists } from '../../../db/queries/organization.js';
import {
  deleteCatalogEntry,
  listPowerDivisions,
  listScopeMappings,
  powerDivisionById,
  savePowerDivision,
  saveScopeMapping,
  scopeMappingById,
} from '../../../db/queries/notices.js';
import { POWER_LEVELS, powerDivisions, scopeMappings } from '../../../db/schema/index.js';
import { ROLES, changeActorOf, type Principal } from '../../auth.js';
import { forbidden, notFound, unprocessable } from '../../errors.js';
import { code, shortText } from '../../schemas.js';
import { errors, idParam } from './scope.js';

/** A regional admin's area: its own region, and (a numeric code) every region under it — a city's counties, a province's cities. */
export function withinArea(admin: string | undefined, region: string): boolean {
  if (!admin) return false;
  if (admin === region) return true;
  if (!/^\d{6}$/.test(admin) || !/^\d{6}$/.test(region)) return false;
  const prefix = admin.replace(/(00)+$/, '');
  return prefix.length < 6 && region.startsWith(prefix);
}

function mayWriteArea(p: Principal, region: string): void {
  if (p.role === 'regional-admin' && withinArea(p.region, region)) return;
  throw forbidden(`${p.sub} may not change the catalogs of region ${region}`);
}

export const mappingSchema = z
  .object({ regionCode: code, term: shortText(100).describe('the business-scope term (经营范围 规范表述), e.g. 食品销售'), approvalItemCode: code, note: shortText(500).optional() })
  .strict()
  .meta({ id: 'ScopeMappingEntry', examples: [{ regionCode: '320700', term: '食品销售', approvalItemCode: 'SP-FOOD-01' }] });
const mappingView = z.object({ id: z.number().int(), regionCode: z.string(), term: z.string(), approvalItemCode: z.string(), note: z.string().nullable(), version: z.number().int(), updatedBy: z.string(), updatedAt: z.string() }).meta({ id: 'ScopeMapping' });

export const powerSchema = z
  .object({
    regionCode: code.describe('the area the entry speaks for: a city, or one of its counties'),
    approvalItemCode: code,
    level: z.enum(POWER_LEVELS),
    holderDepartmentCode: code,
    holderItemCode: code.optional().describe("the item as the holder catalogues it (its licence closes the notice); default the same item"),
    legalBasis: shortText(1000).optional(),
  })
  .strict()
  .meta({ id: 'PowerDivisionEntry', examples: [{ regionCode: '320706', approvalItemCode: 'SP-FOOD-01', level: 'county', holderDepartmentCode: 'HZ-SPJ', holderItemCode: 'HZ-FOOD-01', legalBasis: '连云港市市县审批权限划分' }] });
const powerView = z
  .object({ id: z.number().int(), regionCode: z.string(), approvalItemCode: z.string(), level: z.enum(POWER_LEVELS), holderDepartmentCode: z.string(), holderItemCode: z.string().nullable(), legalBasis: z.string().nullable(), version: z.number().int(), updatedBy: z.string(), updatedAt: z.string() })
  .meta({ id: 'PowerDivision' });

const written = z.object({ id: z.number().int(), version: z.number().int(), created: z.boolean() });
const regionQuery = z.object({ regionCode: code.optional() }).strict();

/** The approval item and region an entry names, checked: 422 naming what is missing. */
async function itemIn(app: FastifyInstance, regionCode: string, itemCode: string) {
  if (!(await regionExists(app.db, regionCode))) throw unprocessable(`region ${regionCode} does not exist`);
  const item = await approvalItemByCode(app.db, itemCode);
  if (!item) throw unprocessable(`approval item ${itemCode} is not in the catalog`);
  return item;
}

export async function checkMapping(app: FastifyInstance, p: Principal, m: z.infer<typeof mappingSchema>): Promise<void> {
  mayWriteArea(p, m.regionCode);
  const item = await itemIn(app, m.regionCode, m.approvalItemCode);
  const misfit = worldMisfit(await policyUnits(app.db, [], [m.regionCode, item.regionCode]), m.regionCode, item.departmentCode, item.regionCode);
  if (misfit) throw unprocessable(misfit);
}

export async function checkPower(app: FastifyInstance, p: Principal, e: z.infer<typeof powerSchema>): Promise<void> {
  mayWriteArea(p, e.regionCode);
  await itemIn(app, e.regionCode, e.approvalItemCode);
  const holder = await departmentByCode(app.db, e.holderDepartmentCode);
  if (!holder) throw unprocessable(`department ${e.holderDepartmentCode} does not exist`);
  if (holder.side !== 'approval') throw unprocessable(`department ${holder.code} is on the ${holder.side} side: the power is held by an approval department`);
  if (e.holderItemCode) {
    const own = await approvalItemByCode(app.db, e.holderItemCode);
    if (!own) throw unprocessable(`approval item ${e.holderItemCode} is not in the catalog`);
    if (own.departmentCode !== holder.code) throw unprocessable(`approval item ${e.holderItemCode} is handled by ${own.departmentCode}, not the holder ${holder.code}`);
  }
  const misfit = worldMisfit(await policyUnits(app.db, [], [e.regionCode, holder.regionCode]), e.regionCode, holder.code, holder.regionCode);
  if (misfit) throw unprocessable(misfit);
}

const at = <R extends { updatedAt: Date }>(r: R) => ({ ...r, updatedAt: r.updatedAt.toISOString() });

const noticeCatalogRoutes: FastifyPluginAsyncZod = async (app) => {
  const admin = { config: { roles: ['regional-admin'] as const } };
  app.get('/v1/scope-mappings', { config: { roles: ROLES }, schema: { operationId: 'listScopeMappings', tags: ['catalog'], summary: 'The business-scope mapping (经营范围 → approval items) of a region', querystring: regionQuery, response: { 200: z.object({ items: z.array(mappingView) }), ...errors } } }, async (req) => ({
    items: (await listScopeMappings(app.db, req.query.regionCode)).map(at),
  }));
  app.post('/v1/scope-mappings', { ...admin, schema: { operationId: 'saveScopeMapping', tags: ['catalog'], summary: 'Create or change a business-scope mapping (a new version)', body: mappingSchema, response: { 200: written, 201: written, ...errors } } }, async (req, reply) => {
    await checkMapping(app, req.principal, req.body);
    const r = await app.db.transaction((tx) => saveScopeMapping(tx, req.body, changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send(r);
  });
  app.delete('/v1/scope-mappings/:id', { ...admin, schema: { operationId: 'deleteScopeMapping', tags: ['catalog'], summary: 'Remove a business-scope mapping (on the change log)', params: idParam, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    const row = await scopeMappingById(app.db, req.params.id);
    if (!row) throw notFound(`scope mapping ${req.params.id}`);
    mayWriteArea(req.principal, row.regionCode);
    await app.db.transaction((tx) => deleteCatalogEntry(tx, scopeMappings, 'scope-mapping', row.id, changeActorOf(req.principal)));
    return reply.code(204).send(null);
  });

  app.get('/v1/power-divisions', { config: { roles: ROLES }, schema: { operationId: 'listPowerDivisions', tags: ['catalog'], summary: 'The division of powers (市县分工) of a region: which level and department holds each item', querystring: regionQuery, response: { 200: z.object({ items: z.array(powerView) }), ...errors } } }, async (req) => ({
    items: (await listPowerDivisions(app.db, req.query.regionCode)).map(at),
  }));
  app.post('/v1/power-divisions', { ...admin, schema: { operationId: 'savePowerDivision', tags: ['catalog'], summary: 'Create or change a division-of-powers entry (a new version)', body: powerSchema, response: { 200: written, 201: written, ...errors } } }, async (req, reply) => {
    await checkPower(app, req.principal, req.body);
    const r = await app.db.transaction((tx) => savePowerDivision(tx, req.body, changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send(r);
  });
  app.delete('/v1/power-divisions/:id', { ...admin, schema: { operationId: 'deletePowerDivision', tags: ['catalog'], summary: 'Remove a division-of-powers entry (on the change log)', params: idParam, response: { 204: z.null(), ...errors } } }, async (req, reply) => {
    const row = await powerDivisionById(app.db, req.params.id);
    if (!row) throw notFound(`division-of-powers entry ${req.params.id}`);
    mayWriteArea(req.principal, row.regionCode);
    await app.db.transaction((tx) => deleteCatalogEntry(tx, powerDivisions, 'power-division', row.id, changeActorOf(req.principal)));
    return reply.code(204).send(null);
  });
};

export default noticeCatalogRoutes;
