// Organization: departments with the side a regional admin assigns (approval / supervision /
// coordination), divisions with the admin who receives task SMS. A regional admin writes the
// departments and divisions of its own region; an entry never moves to another region or
// department by being posted again.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalDepartmentCodes, departmentByCode, divisionByCode, listDepartments, listDivisions, regionExists, saveDepartment, saveDivision } from '../../db/queries/organization.js';
import { ROLES, type Principal } from '../auth.js';
import { departmentSchema, divisionSchema } from '../catalog-schemas.js';
import { forbidden, problems, unprocessable } from '../errors.js';
import { pick } from '../schemas.js';

const department = z.object({ code: z.string(), name: z.string(), regionCode: z.string(), side: departmentSchema.shape.side, headName: z.string().nullable() }).meta({ id: 'Department' });
const division = z.object({ code: z.string(), departmentCode: z.string(), name: z.string(), adminName: z.string() }).meta({ id: 'Division' });
const errors = problems(400, 401, 403, 422);
const tags = ['organization'];
const writers = { roles: ['regional-admin'] as const };

/** The department row a write replaces, once the caller may write it; throws otherwise. */
async function departmentWrite(app: FastifyInstance, p: Principal, b: z.infer<typeof departmentSchema>) {
  if (p.region !== b.regionCode) throw forbidden(`a regional admin of ${p.region ?? 'no region'} may not assign departments of ${b.regionCode}`);
  if (!(await regionExists(app.db, b.regionCode))) throw unprocessable(`region ${b.regionCode} does not exist`);
  const before = await departmentByCode(app.db, b.code);
  if (before && before.regionCode !== b.regionCode) throw forbidden(`department ${b.code} belongs to region ${before.regionCode}`);
  if (b.side === 'approval') await ownNumberSpace(app, b.code);
  return before;
}

/**
 * An approval department's code opens its application numbers (`<code>-…`): it must be one an
 * application number can begin with, and no other approval department's space may hold it or
 * lie inside it (LYG-SPJ and LYG-SPJ-2 would share LYG-SPJ-2-…).
 */
async function ownNumberSpace(app: FastifyInstance, code: string): Promise<void> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(code)) throw unprocessable(`approval department ${code}: its code opens its application numbers, so it has letters, digits, _ and - only`);
  const clash = (await approvalDepartmentCodes(app.db)).find((c) => c !== code && (code.startsWith(`${c}-`) || c.startsWith(`${code}-`)));
  if (clash) throw unprocessable(`approval department ${code} would share its application numbers with ${clash} (${code.length > clash.length ? code : clash}-… is in both)`);
}

/** The division row a write replaces, once the caller may write it; throws otherwise. */
async function divisionWrite(app: FastifyInstance, p: Principal, b: z.infer<typeof divisionSchema>) {
  const dept = await departmentByCode(app.db, b.departmentCode);
  if (!dept) throw unprocessable(`department ${b.departmentCode} does not exist`);
  if (dept.side !== 'supervision') throw unprocessable(`department ${b.departmentCode} is on the ${dept.side} side: divisions receive supervision tasks`);
  if (p.region !== dept.regionCode) throw forbidden(`department ${dept.code} is in region ${dept.regionCode}`);
  const before = await divisionByCode(app.db, b.code);
  if (before && before.departmentCode !== b.departmentCode) throw forbidden(`division ${b.code} belongs to ${before.departmentCode}`);
  return before;
}

const organizationRoutes: FastifyPluginAsyncZod = async (app) => {
  const departments = z.object({ items: z.array(department) });
  app.get('/v1/departments', { config: { roles: ROLES }, schema: { operationId: 'listDepartments', tags, summary: 'Departments with their side', response: { 200: departments, ...errors } } }, async () => ({ items: await listDepartments(app.db) }));

  const assignDepartment = 'Create or change a department and assign its side (区划管理员)';
  app.post('/v1/departments', { config: writers, schema: { operationId: 'saveDepartment', tags, summary: assignDepartment, body: departmentSchema, response: { 200: department, 201: department, ...errors } } }, async (req, reply) => {
    const before = await departmentWrite(app, req.principal, req.body);
    const values = { ...req.body, headName: req.body.headName ?? null, headPhone: req.body.headPhone ?? null };
    await saveDepartment(app.db, values, before, { sub: req.principal.sub, role: req.principal.role });
    return reply.code(before ? 200 : 201).send(pick(department, values));
  });

  const divisions = z.object({ items: z.array(division) });
  app.get('/v1/divisions', { config: { roles: ROLES }, schema: { operationId: 'listDivisions', tags, summary: 'Divisions with their admin', response: { 200: divisions, ...errors } } }, async () => ({ items: await listDivisions(app.db) }));

  const assignDivision = 'Create or change a division and its admin (处室管理员), who receives task SMS';
  app.post('/v1/divisions', { config: writers, schema: { operationId: 'saveDivision', tags, summary: assignDivision, body: divisionSchema, response: { 200: division, 201: division, ...errors } } }, async (req, reply) => {
    const before = await divisionWrite(app, req.principal, req.body);
    await saveDivision(app.db, req.body, before, { sub: req.principal.sub, role: req.principal.role });
    return reply.code(before ? 200 : 201).send(pick(division, req.body));
  });
};

export default organizationRoutes;
