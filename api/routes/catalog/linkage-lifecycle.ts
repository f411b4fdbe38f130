// A linkage after its proposal: the supervising department confirms it with its sub-item and
// division (谁主管谁监管), or either side disputes it, and an arbiter (编办 / 司法) settles.
// Whenever a linkage starts routing live work, the unrouted cases of its item try again.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { approvalItemByCode, supervisionItemByCode } from '../../../db/queries/catalog.js';
import { changeLinkage, linkageBetween, linkageById, type LinkageRow } from '../../../db/queries/linkages.js';
import { divisionByCode } from '../../../db/queries/organization.js';
import { actorOf, changeActorOf, type Principal } from '../../auth.js';
import { conflict, forbidden, notFound, unprocessable } from '../../errors.js';
import { code, shortText } from '../../schemas.js';
import { afterRoutingChange, departmentOf, errors, idParam, linkageView, sameWorld, transferRunningTasks, view } from './scope.js';

const confirmation = z.object({ supervisionItemCode: code, divisionCode: code }).strict();
const dispute = z.object({ reason: shortText(2000) }).strict();
const settlement = z
  .object({
    decision: z.enum(['assign', 'reject']),
    departmentCode: code.optional().describe('with assign: the department that supervises'),
    supervisionItemCode: code.optional().describe('with assign: confirms at once when given with divisionCode'),
    divisionCode: code.optional(),
    note: shortText(2000),
  })
  .strict()
  .refine((b) => b.decision === 'reject' || b.departmentCode, { message: 'assign needs departmentCode', path: ['departmentCode'] })
  .refine((b) => Boolean(b.supervisionItemCode) === Boolean(b.divisionCode), { message: 'supervisionItemCode and divisionCode go together', path: ['divisionCode'] });

async function linkageOr404(app: FastifyInstance, id: number): Promise<LinkageRow> {
  const l = await linkageById(app.db, id);
  if (!l) throw notFound(`linkage ${id}`);
  return l;
}

/** The supervision item and division that confirm a linkage to `departmentCode`, or a 422. */
async function confirmingPair(app: FastifyInstance, departmentCode: string, itemCode: string, divisionCode: string) {
  const [si, div] = await Promise.all([supervisionItemByCode(app.db, itemCode), divisionByCode(app.db, divisionCode)]);
  if (si?.departmentCode !== departmentCode) throw unprocessable(`supervision item ${itemCode} is not one of ${departmentCode}`);
  if (div?.departmentCode !== departmentCode) throw unprocessable(`division ${divisionCode} is not a division of ${departmentCode}`);
  return { supervisionItemCode: si.code, divisionCode: div.code };
}

/** What a settlement sets: rejected, or re-proposed to the assigned department (confirmed at once when the pair is given). */
async function settled(app: FastifyInstance, l: LinkageRow, b: z.infer<typeof settlement>, p: Principal): Promise<Partial<LinkageRow>> {
  if (b.decision === 'reject') return { status: 'rejected' };
  const dept = await departmentOf(app, b.departmentCode!, 'supervision');
  const item = await approvalItemByCode(app.db, l.approvalItemCode);
  if (item) await sameWorld(app, item, dept);
  if (dept.code !== l.supervisionDepartmentCode) {
    const clash = await linkageBetween(app.db, l.approvalItemCode, dept.code);
    if (clash) throw conflict(`item ${l.approvalItemCode} already has linkage ${clash.id} to ${dept.code}`);
  }
  const set: Partial<LinkageRow> = { status: 'proposed', supervisionDepartmentCode: dept.code, supervisionItemCode: null, divisionCode: null, confirmedBy: null };
  if (!b.supervisionItemCode || !b.divisionCode) return set;
  const [si, div] = await Promise.all([supervisionItemByCode(app.db, b.supervisionItemCode), divisionByCode(app.db, b.divisionCode)]);
  if (si?.departmentCode !== dept.code || div?.departmentCode !== dept.code) throw unprocessable(`supervision item and division must belong to ${dept.code}`);
  return { ...set, status: 'confirmed', supervisionItemCode: si.code, divisionCode: div.code, confirmedBy: p.sub };
}

const summaries = {
  confirm: 'Confirm a proposed linkage by attaching the supervision sub-item and division (谁主管谁监管)',
  dispute: 'Dispute a linkage (either side), with the reason; an arbiter settles it',
  settle: 'Settle a disputed linkage: assign it to a department, or reject it (编办 / 司法); an assignment confirmed at once moves the running tasks of the linkage to the new department (移交)',
};
const schema = <B>(operationId: string, summary: string, body: B) => ({ operationId, tags: ['linkages'], summary, params: idParam, body, response: { 200: linkageView, ...errors } });

const linkageLifecycleRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post('/v1/linkages/:id/confirm', { config: { roles: ['supervision'] }, schema: schema('confirmLinkage', summaries.confirm, confirmation) }, async (req) => {
    const l = await linkageOr404(app, req.params.id);
    if (req.principal.department !== l.supervisionDepartmentCode) throw forbidden(`linkage ${l.id} names department ${l.supervisionDepartmentCode}; only it confirms`);
    if (l.status !== 'proposed') throw conflict(`linkage ${l.id} is ${l.status}, not proposed`);
    // A division confirms for itself; the department (no division claim) for any of its divisions.
    if (req.principal.division && req.principal.division !== req.body.divisionCode) throw forbidden(`a user of division ${req.principal.division} confirms only for it`);
    const pair = await confirmingPair(app, l.supervisionDepartmentCode, req.body.supervisionItemCode, req.body.divisionCode);
    const set = { status: 'confirmed' as const, ...pair, confirmedBy: req.principal.sub };
    const row = await changeLinkage(app.db, l, { set, action: 'confirm', actor: changeActorOf(req.principal), newVersion: () => `linkage ${l.id} to ${l.supervisionDepartmentCode} confirmed` });
    await afterRoutingChange(app, l.approvalItemCode);
    return view(row);
  });

  app.post('/v1/linkages/:id/dispute', { config: { roles: ['approval', 'supervision'] }, schema: schema('disputeLinkage', summaries.dispute, dispute) }, async (req) => {
    const l = await linkageOr404(app, req.params.id);
    const p = req.principal;
    const party = p.role === 'approval' ? p.department === (await approvalItemByCode(app.db, l.approvalItemCode))?.departmentCode : p.department === l.supervisionDepartmentCode;
    if (!party) throw forbidden(`only the approving department of ${l.approvalItemCode} or ${l.supervisionDepartmentCode} may dispute linkage ${l.id}`);
    if (l.settledBy) throw conflict(`linkage ${l.id} was settled by ${l.settledBy}; the settlement is binding`);
    if (l.status !== 'proposed' && l.status !== 'confirmed') throw conflict(`linkage ${l.id} is ${l.status}`);
    const set = { status: 'disputed' as const, disputeReason: req.body.reason, disputedBy: p.sub };
    // A disputed linkage no longer routes new work; running cases keep their version.
    return view(await changeLinkage(app.db, l, { set, action: 'dispute', actor: changeActorOf(p), newVersion: () => (l.status === 'confirmed' ? `linkage ${l.id} disputed` : undefined) }));
  });

  app.post('/v1/linkages/:id/settle', { config: { roles: ['arbiter'] }, schema: schema('settleLinkage', summaries.settle, settlement) }, async (req) => {
    const l = await linkageOr404(app, req.params.id);
    // An arbiter (编办 / 司法) settles the disputes of its own region only.
    const item = await approvalItemByCode(app.db, l.approvalItemCode);
    if (!req.principal.region || req.principal.region !== item?.regionCode) throw forbidden(`linkage ${l.id} belongs to another region: only its own arbiters settle it`);
    if (l.status !== 'disputed') throw conflict(`linkage ${l.id} is ${l.status}, not disputed`);
    const b = req.body;
    const set = { ...(await settled(app, l, b, req.principal)), settledBy: req.principal.sub, settlement: `${b.decision}: ${b.note}` };
    const newVersion = (after: LinkageRow) => (after.status === 'confirmed' ? `linkage ${l.id} settled: ${b.note}` : undefined);
    const row = await changeLinkage(app.db, l, { set, action: `settle-${b.decision}`, actor: changeActorOf(req.principal), newVersion });
    if (row.status === 'confirmed') await afterRoutingChange(app, l.approvalItemCode);
    // A reassignment moves the running tasks of the linkage to the new department (移交).
    await transferRunningTasks(app, l, row, actorOf(req.principal), `settled by ${req.principal.sub}: ${b.note}`);
    return view(row);
  });
};

export default linkageLifecycleRoutes;
