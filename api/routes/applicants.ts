// The applicant portrait (企业画像): cases, tasks, commitments kept and broken, credit records.
// From the read model, never by scanning Temporal.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applicantRecords, hasPartIn } from '../../db/queries/applicants.js';
import { notFound, problems } from '../errors.js';
import type { CaseStage, CommitmentScenario, FeedbackResult, LicenceStatus, TaskOriginKind, TaskOutcome, TaskStatus } from '../../workflows/contracts.js';
import { taskOrigin } from './tasks/view.js';
import { caseStage, commitmentScenario, creditCode, feedbackResult, iso, licenceStatus, taskOutcome, taskStatus } from '../schemas.js';

const portrait = z.object({
  creditCode: z.string(),
  name: z.string().nullable(),
  credit: z.object({ grade: z.string(), blacklisted: z.boolean(), brokenCommitments: z.number().int() }).nullable(),
  commitments: z.object({ kept: z.number().int(), broken: z.number().int(), open: z.number().int() }),
  cases: z.array(z.object({ applicationNo: z.string(), itemCode: z.string(), stage: caseStage, route: z.string().nullable(), licenceStatus, commitmentScenario: commitmentScenario.nullable(), commitmentOutcome: z.string().nullable(), createdAt: z.string(), closedAt: z.string().nullable() })),
  tasks: z.array(z.object({ taskId: z.string(), origin: taskOrigin, originNo: z.string(), applicationNo: z.string().nullable(), departmentCode: z.string(), status: taskStatus, result: feedbackResult.nullable(), outcome: taskOutcome.nullable(), claimOverdue: z.boolean() })),
  creditRecords: z.array(z.object({ businessKey: z.string(), kind: z.string(), summary: z.string(), status: z.string(), createdAt: z.string() })),
}).meta({ id: 'ApplicantPortrait' });

/** The portrait of a credit code from its records; commitments counted over its commitment cases. */
function portraitOf(code: string, r: Awaited<ReturnType<typeof applicantRecords>>): z.infer<typeof portrait> {
  const commitmentCases = r.cases.filter((c) => c.route === 'commitment');
  return {
    creditCode: code,
    name: r.cases[0]?.applicantName ?? null,
    credit: r.profile ? { grade: r.profile.grade, blacklisted: r.profile.blacklisted, brokenCommitments: r.profile.brokenCommitments } : null,
    commitments: {
      kept: commitmentCases.filter((c) => c.commitmentOutcome === 'kept').length,
      broken: commitmentCases.filter((c) => c.commitmentOutcome === 'broken').length,
      open: commitmentCases.filter((c) => !c.commitmentOutcome).length,
    },
    cases: r.cases.map((c) => ({ applicationNo: c.applicationNo, itemCode: c.itemCode, stage: c.stage as CaseStage, route: c.route, licenceStatus: c.licenceStatus as LicenceStatus, commitmentScenario: c.commitmentScenario as CommitmentScenario | null, commitmentOutcome: c.commitmentOutcome, createdAt: c.createdAt.toISOString(), closedAt: iso(c.closedAt) })),
    tasks: r.tasks.map((t) => ({ taskId: t.taskId, origin: t.origin as TaskOriginKind, originNo: t.originNo, applicationNo: t.applicationNo, departmentCode: t.departmentCode, status: t.status as TaskStatus, result: t.result as FeedbackResult | null, outcome: t.outcome as TaskOutcome | null, claimOverdue: t.claimOverdue })),
    creditRecords: r.creditRecords.map((c) => ({ businessKey: c.businessKey, kind: c.kind, summary: c.summary, status: c.status, createdAt: c.createdAt.toISOString() })),
  };
}

const applicantRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/v1/applicants/:creditCode',
    {
      // For those with a part in the enterprise (a case or task of it), its region's admin and
      // the operator; to anyone else it does not exist (404: not even that it is on file).
      config: { roles: ['approval', 'supervision', 'regional-admin', 'operator'] },
      schema: { operationId: 'getApplicant', tags: ['applicants'], summary: 'Applicant portrait (企业画像): cases, tasks, commitments kept and broken, credit records', params: z.object({ creditCode }), response: { 200: portrait, ...problems(400, 401, 403, 404) } },
    },
    async (req) => {
      const { creditCode: code } = req.params;
      if (req.principal.role !== 'operator' && !(await hasPartIn(app.db, code, req.principal))) throw notFound(`applicant ${code}`);
      return portraitOf(code, await applicantRecords(app.db, code));
    },
  );
};

export default applicantRoutes;
