// The linkage catalog (审管联动事项关联): read it, and propose a supervising department for an
// approval item (谁审批谁负责). Its lifecycle after the proposal is in linkage-lifecycle.ts.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalItemByCode } from '../../../db/queries/catalog.js';
import { linkageBetween, listLinkages, proposeLinkage } from '../../../db/queries/linkages.js';
import { ROLES, changeActorOf } from '../../auth.js';
import { conflict, forbidden, unprocessable } from '../../errors.js';
import { code } from '../../schemas.js';
import { departmentOf, errors, linkageView, sameWorld, view } from './scope.js';

const listQuery = z.object({ approvalItemCode: code.optional(), departmentCode: code.optional(), status: linkageView.shape.status.optional() }).strict();
const proposal = z.object({ approvalItemCode: code, supervisionDepartmentCode: code }).strict().meta({ id: 'LinkageProposal' });

const linkageRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/v1/linkages', { config: { roles: ROLES }, schema: { operationId: 'listLinkages', tags: ['linkages'], summary: 'The linkage catalog', querystring: listQuery, response: { 200: z.object({ items: z.array(linkageView) }), ...errors } } }, async (req) => ({
    items: (await listLinkages(app.db, req.query)).map(view),
  }));

  app.post(
    '/v1/linkages',
    {
      config: { roles: ['approval'] },
      schema: { operationId: 'proposeLinkage', tags: ['linkages'], summary: 'Propose the supervising department of an approval item (谁审批谁负责)', body: proposal, response: { 201: linkageView, ...errors } },
    },
    async (req, reply) => {
      const { approvalItemCode, supervisionDepartmentCode } = req.body;
      const item = await approvalItemByCode(app.db, approvalItemCode);
      if (!item) throw unprocessable(`approval item ${approvalItemCode} does not exist`);
      if (item.departmentCode !== req.principal.department) throw forbidden(`approval item ${item.code} belongs to department ${item.departmentCode}`);
      await sameWorld(app, item, await departmentOf(app, supervisionDepartmentCode, 'supervision'));
      const existing = await linkageBetween(app.db, item.code, supervisionDepartmentCode);
      if (existing) throw conflict(`linkage ${existing.id} of ${item.code} to ${supervisionDepartmentCode} already exists (${existing.status})`);
      return reply.code(201).send(view(await proposeLinkage(app.db, item.code, supervisionDepartmentCode, changeActorOf(req.principal))));
    },
  );
};

export default linkageRoutes;
