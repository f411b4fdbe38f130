import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { departments, divisions } from '../../db/schema/index.js';
import { ROLES } from '../auth.js';
import { problemSchema } from '../errors.js';

const department = z.object({ code: z.string(), name: z.string(), regionCode: z.string(), side: z.enum(['approval', 'supervision', 'coordination']) });
const division = z.object({ code: z.string(), departmentCode: z.string(), name: z.string(), adminName: z.string() });

const organizationRoutes: FastifyPluginAsyncZod = async (app) => {
  const errors = { 401: problemSchema, 403: problemSchema };
  app.get(
    '/v1/departments',
    { config: { roles: ROLES }, schema: { tags: ['organization'], summary: 'Departments with their side', response: { 200: z.object({ items: z.array(department) }), ...errors } } },
    async () => ({ items: await app.deps.database.db.select({ code: departments.code, name: departments.name, regionCode: departments.regionCode, side: departments.side }).from(departments).orderBy(departments.code) }),
  );
  app.get(
    '/v1/divisions',
    { config: { roles: ROLES }, schema: { tags: ['organization'], summary: 'Divisions with their admin', response: { 200: z.object({ items: z.array(division) }), ...errors } } },
    async () => ({ items: await app.deps.database.db.select({ code: divisions.code, departmentCode: divisions.departmentCode, name: divisions.name, adminName: divisions.adminName }).from(divisions).orderBy(divisions.code) }),
  );
};

export default organizationRoutes;
