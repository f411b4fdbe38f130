// 市县分工 for a running case (docs/case-forward.md): the approval department that received an
// application forwards it, before its decision, to the department that holds the item's power
// at another level — by the division of powers (/v1/power-divisions), or by hand to a named
// approval department with a reason. The route resolves and checks the target (it exists, an
// approval department, the same world); whether the caller may act — its own case, still
// awaiting the decision, not already there, under the hop limit — is the update validator's.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { forwardCaseUpdate, type CaseForwardArgs } from '../../../workflows/contracts.js';
import { powerHolderIn } from '../../../db/queries/notices.js';
import { actorOf, type Principal } from '../../auth.js';
import { caseForReader } from '../../access.js';
import { unprocessable, workflowProblems } from '../../errors.js';
import { applicationParam, caseStage, code, shortText } from '../../schemas.js';
import { forwardTarget } from '../notices/actions.js';

const body = z
  .object({
    toDepartment: code.optional().describe('by hand: the approval department that holds the power (then a reason is required); without it, the division of powers decides'),
    districtCode: code.optional().describe("by the division of powers: the county of the enterprise's address, whose entry is used first (then the item's region)"),
    reason: shortText(500).optional(),
  })
  .strict()
  .refine((b) => !b.toDepartment || Boolean(b.reason), { message: 'a forward by hand names its reason', path: ['reason'] })
  .refine((b) => !(b.toDepartment && b.districtCode), { message: 'districtCode is for a forward by the division of powers, not with toDepartment', path: ['districtCode'] })
  .meta({ id: 'CaseForward', examples: [{ districtCode: '320706' }, { toDepartment: 'HZ-SPJ', reason: '该事项已下放海州区行政审批局办理' }] });
type Body = z.infer<typeof body>;

const forwarded = z.object({ applicationNo: z.string(), stage: caseStage, departmentCode: z.string(), regionCode: z.string(), hops: z.number().int() }).meta({ id: 'CaseForwarded' });

/** The hop the body asks for: the named department, or the holder by the division of powers. */
async function hopOf(app: FastifyInstance, p: Principal, row: { itemCode: string; regionCode: string; approvalDepartmentCode: string; applicationNo: string }, b: Body): Promise<CaseForwardArgs> {
  const actor = actorOf(p);
  if (b.toDepartment) {
    const d = await forwardTarget(app, { kind: 'registration', regionCode: row.regionCode }, b.toDepartment, 'a case of');
    return { actor, toDepartment: d.code, toRegion: d.regionCode, by: 'manual', reason: b.reason! };
  }
  const areas = [b.districtCode, row.regionCode].filter((a): a is string => Boolean(a));
  const power = await powerHolderIn(app.db, row.itemCode, areas);
  if (!power) throw unprocessable(`the division of powers has no entry for ${row.itemCode} in ${areas.join(' or ')}: name the department to forward to`);
  if (power.holderDepartmentCode === row.approvalDepartmentCode) throw unprocessable(`by the division of powers (v${power.version}) ${row.itemCode} is held by ${power.holderDepartmentCode}, the case's own department: nothing to forward`);
  const d = await forwardTarget(app, { kind: 'registration', regionCode: row.regionCode }, power.holderDepartmentCode, 'a case of');
  const basis = `市县分工 (v${power.version}): the ${power.level} level holds ${row.itemCode} for ${power.regionCode}, at ${power.holderDepartmentCode}${power.legalBasis ? ` (${power.legalBasis})` : ''}`;
  return { actor, toDepartment: d.code, toRegion: d.regionCode, by: 'division-of-powers', reason: b.reason ? `${basis}; ${b.reason}` : basis, level: power.level, ...(power.holderItemCode && { holderItemCode: power.holderItemCode }) };
}

const caseForwardRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/applications/:applicationNo/forward',
    {
      config: { roles: ['approval'] },
      schema: {
        operationId: 'forwardApplication',
        tags: ['cases'],
        summary: '市县分工: forward a case awaiting its decision to the department that holds the power at another level',
        description: 'By the division of powers (no `toDepartment`), or by hand to a named approval department with a reason. The case moves there: the old department no longer sees or decides it. At most 8 hops.',
        params: applicationParam,
        body,
        response: { 200: forwarded, ...workflowProblems },
      },
    },
    async (req) => {
      const row = await caseForReader(app.db, req.principal, req.params.applicationNo);
      const args = await hopOf(app, req.principal, row, req.body);
      return app.temporal.workflow.getHandle(row.workflowId).executeUpdate(forwardCaseUpdate, { args: [args] });
    },
  );
};

export default caseForwardRoutes;
