// Organization: departments with the side a regional admin assigns (approval / supervision /
// coordination), divisions with the admin who receives task SMS.
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { departments, divisions, regions } from '../../db/schema/index.js';
import { recordChange } from '../../db/catalog.js';
import { ROLES } from '../auth.js';
import { departmentSchema, divisionSchema } from '../catalog-schemas.js';
import { forbidden, problemSchema, unprocessable } from '../errors.js';

const department = z.object({ code: z.string(), name: z.string(), regionCode: z.string(), side: z.enum(['approval', 'supervision', 'coordination']), headName: z.string().nullable() });
const division = z.object({ code: z.string(), departmentCode: z.string(), name: z.string(), adminName: z.string() });

const organizationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 422: problemSchema };

  app.get(
    '/v1/departments',
    { config: { roles: ROLES }, schema: { tags: ['organization'], summary: 'Departments with their side', response: { 200: z.object({ items: z.array(department) }), ...errors } } },
    async () => ({ items: await db.select({ code: departments.code, name: departments.name, regionCode: departments.regionCode, side: departments.side, headName: departments.headName }).from(departments).orderBy(asc(departments.code)) }),
  );
  app.post(
    '/v1/departments',
    {
      config: { roles: ['regional-admin'] },
      schema: { tags: ['organization'], summary: 'Create or change a department and assign its side (区划管理员)', body: departmentSchema, response: { 200: department, 201: department, ...errors } },
    },
    async (req, reply) => {
      const b = req.body;
      if (req.principal.region !== b.regionCode) throw forbidden(`a regional admin of ${req.principal.region ?? 'no region'} may not assign departments of ${b.regionCode}`);
      const [region] = await db.select().from(regions).where(eq(regions.code, b.regionCode));
      if (!region) throw unprocessable(`region ${b.regionCode} does not exist`);
      const [before] = await db.select().from(departments).where(eq(departments.code, b.code));
      if (before && before.regionCode !== b.regionCode) throw forbidden(`department ${b.code} belongs to region ${before.regionCode}`);
      const values = { ...b, headName: b.headName ?? null, headPhone: b.headPhone ?? null };
      await db.transaction(async (tx) => {
        await tx.insert(departments).values(values).onConflictDoUpdate({ target: departments.code, set: values });
        await recordChange(tx, { entity: 'department', key: b.code, action: before ? 'update' : 'create', actor: { sub: req.principal.sub, role: req.principal.role }, before: before ?? null, after: values });
      });
      return reply.code(before ? 200 : 201).send({ code: b.code, name: b.name, regionCode: b.regionCode, side: b.side, headName: values.headName });
    },
  );

  app.get(
    '/v1/divisions',
    { config: { roles: ROLES }, schema: { tags: ['organization'], summary: 'Divisions with their admin', response: { 200: z.object({ items: z.array(division) }), ...errors } } },
    async () => ({ items: await db.select({ code: divisions.code, departmentCode: divisions.departmentCode, name: divisions.name, adminName: divisions.adminName }).from(divisions).orderBy(asc(divisions.code)) }),
  );
  app.post(
    '/v1/divisions',
    {
      config: { roles: ['regional-admin'] },
      schema: { tags: ['organization'], summary: 'Create or change a division and its admin (处室管理员), who receives task SMS', body: divisionSchema, response: { 200: division, 201: division, ...errors } },
    },
    async (req, reply) => {
      const b = req.body;
      const [dept] = await db.select().from(departments).where(eq(departments.code, b.departmentCode));
      if (!dept) throw unprocessable(`department ${b.departmentCode} does not exist`);
      if (dept.side !== 'supervision') throw unprocessable(`department ${b.departmentCode} is on the ${dept.side} side: divisions receive supervision tasks`);
      if (req.principal.region !== dept.regionCode) throw forbidden(`department ${dept.code} is in region ${dept.regionCode}`);
      const [before] = await db.select().from(divisions).where(eq(divisions.code, b.code));
      if (before && before.departmentCode !== b.departmentCode) throw forbidden(`division ${b.code} belongs to ${before.departmentCode}`);
      await db.transaction(async (tx) => {
        await tx.insert(divisions).values(b).onConflictDoUpdate({ target: divisions.code, set: b });
        await recordChange(tx, { entity: 'division', key: b.code, action: before ? 'update' : 'create', actor: { sub: req.principal.sub, role: req.principal.role }, before: before ?? null, after: b });
      });
      return reply.code(before ? 200 : 201).send({ code: b.code, departmentCode: b.departmentCode, name: b.name, adminName: b.adminName });
    },
  );
};

export default organizationRoutes;
