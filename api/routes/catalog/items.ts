// The catalogs (目录清单): approval items (审批事项) and supervision items (监管事项), one entry
// at a time. A change of an approval item makes a new version; running cases keep theirs.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { itemOwner, listApprovalItems, listSupervisionItems, policyMisfit, policyUnits, worldMisfit } from '../../../db/queries/catalog.js';
import { divisionByCode, regionExists } from '../../../db/queries/organization.js';
import { approvalItems, supervisionItems } from '../../../db/schema/index.js';
import { ROLES, changeActorOf } from '../../auth.js';
import { approvalItemFields, approvalItemSchema, supervisionItemSchema } from '../../catalog-schemas.js';
import { unprocessable } from '../../errors.js';
import { code } from '../../schemas.js';
import { writeApprovalItem, writeSupervisionItem } from './entries.js';
import { departmentOf, errors, mayWrite } from './scope.js';

type ItemView = z.infer<typeof itemView>;
const itemView = approvalItemFields.extend({ version: z.number().int(), subItem: z.string().nullable(), commitmentPeriodDays: z.number().int().nullable(), deadlinePolicy: z.string().nullable() }).meta({ id: 'ApprovalItem' });
const supervisionView = supervisionItemSchema.extend({ version: z.number().int(), subItem: z.string().nullable(), divisionCode: z.string().nullable(), inspectionMethod: z.string().nullable(), legalBasis: z.string().nullable(), inspectionDays: z.number().int().nullable() }).meta({ id: 'SupervisionItem' });
const written = z.object({ code: z.string(), version: z.number().int() });
const writtenSupervision = z.object({ code: z.string(), version: z.number().int() });

const catalogItemRoutes: FastifyPluginAsyncZod = async (app) => {
  const approvalQuery = z.object({ departmentCode: code.optional(), regionCode: code.optional() }).strict();
  app.get('/v1/approval-items', { config: { roles: ROLES }, schema: { operationId: 'listApprovalItems', tags: ['catalog'], summary: 'Approval items (审批事项)', querystring: approvalQuery, response: { 200: z.object({ items: z.array(itemView) }), ...errors } } }, async (req) => {
    const rows = await listApprovalItems(app.db, req.query);
    return { items: rows.map(({ updatedAt: _u, ...r }) => ({ ...r, type: r.type as ItemView['type'], commitmentScenarios: r.commitmentScenarios as ItemView['commitmentScenarios'], commitmentMinimumGrade: r.commitmentMinimumGrade as ItemView['commitmentMinimumGrade'] })) };
  });

  const approvalSummary = 'Create or change an approval item (a new version; running cases keep theirs)';
  app.post('/v1/approval-items', { config: { roles: ['regional-admin', 'approval'] }, schema: { operationId: 'saveApprovalItem', tags: ['catalog'], summary: approvalSummary, body: approvalItemSchema, response: { 200: written, 201: written, ...errors } } }, async (req, reply) => {
    const b = req.body;
    const dept = await departmentOf(app, b.departmentCode, 'approval');
    mayWrite(req.principal, dept);
    if (!(await regionExists(app.db, b.regionCode))) throw unprocessable(`region ${b.regionCode} does not exist`);
    const units = await policyUnits(app.db, b.deadlinePolicy ? [b.deadlinePolicy] : [], [b.regionCode, dept.regionCode]);
    if (b.deadlinePolicy && !units.policies.has(b.deadlinePolicy)) throw unprocessable(`deadline policy ${b.deadlinePolicy} does not exist`);
    const misfit = (b.deadlinePolicy && policyMisfit(units, b.deadlinePolicy, b.regionCode)) || worldMisfit(units, b.regionCode, dept.code, dept.regionCode);
    if (misfit) throw unprocessable(misfit);
    // Changing an existing item needs the right over the department that owns it now too,
    // so no one takes over another department's item by posting its code.
    const owner = await itemOwner(app.db, approvalItems, b.code);
    if (owner && owner !== dept.code) mayWrite(req.principal, await departmentOf(app, owner));
    const r = await app.db.transaction((tx) => writeApprovalItem(tx, b, changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send({ code: b.code, version: r.version });
  });

  const supervisionQuery = z.object({ departmentCode: code.optional() }).strict();
  app.get('/v1/supervision-items', { config: { roles: ROLES }, schema: { operationId: 'listSupervisionItems', tags: ['catalog'], summary: 'Supervision items (监管事项)', querystring: supervisionQuery, response: { 200: z.object({ items: z.array(supervisionView) }), ...errors } } }, async (req) => ({
    items: (await listSupervisionItems(app.db, req.query)).map(({ updatedAt: _u, ...r }) => r),
  }));

  const supervisionBody = { body: supervisionItemSchema, response: { 200: writtenSupervision, 201: writtenSupervision, ...errors } };
  app.post('/v1/supervision-items', { config: { roles: ['regional-admin', 'supervision'] }, schema: { operationId: 'saveSupervisionItem', tags: ['catalog'], summary: 'Create or change a supervision item', ...supervisionBody } }, async (req, reply) => {
    const b = req.body;
    const dept = await departmentOf(app, b.departmentCode, 'supervision');
    mayWrite(req.principal, dept);
    const owner = await itemOwner(app.db, supervisionItems, b.code);
    if (owner && owner !== dept.code) mayWrite(req.principal, await departmentOf(app, owner));
    if (b.divisionCode && (await divisionByCode(app.db, b.divisionCode))?.departmentCode !== dept.code) throw unprocessable(`division ${b.divisionCode} is not a division of ${dept.code}`);
    const r = await app.db.transaction((tx) => writeSupervisionItem(tx, b, changeActorOf(req.principal)));
    return reply.code(r.created ? 201 : 200).send({ code: b.code, version: r.version });
  });
};

export default catalogItemRoutes;
