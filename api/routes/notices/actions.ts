// Acting on a notice, each an Update on its workflow: claim (认领, a registration notice), acknowledge
// (签收, a linkage notice: 双反馈), forward (转办, to the department that holds the power). The
// route checks that the caller may see the notice and that the target of a forward exists and
// may take it; whether the caller may act — the holder, the notice still open — is the update
// validator's to decide. And raising a 联动告知 from a finding (POST /v1/linkage-notices).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { answerNoticeUpdate, findingNoticeId, forwardNoticeUpdate, type NoticeRecipient } from '../../../workflows/contracts.js';
import { noticeById } from '../../../db/queries/notices.js';
import { departmentByCode } from '../../../db/queries/organization.js';
import { policyUnits, worldMisfit } from '../../../db/queries/catalog.js';
import { stepByKey } from '../../../db/queries/trail.js';
import { auditEvents, supervisionItems } from '../../../db/schema/index.js';
import { eq } from 'drizzle-orm';
import { actorOf, type Principal } from '../../auth.js';
import { caseForReader, taskForReader } from '../../access.js';
import { conflict, forbidden, unprocessable, workflowProblems } from '../../errors.js';
import { applicationNo, code, shortText, taskIdParam } from '../../schemas.js';
import { noticeForReader } from './read.js';
import { noticeIdParam, noticeOf, noticeView, startNotice } from './view.js';

async function answer(app: FastifyInstance, p: Principal, noticeId: string, kind: 'registration' | 'linkage', note?: string) {
  const row = await noticeForReader(app, p, noticeId);
  if (row.kind !== kind) throw conflict(kind === 'registration' ? `notice ${noticeId} is a linkage notice: it is acknowledged, not claimed` : `notice ${noticeId} is a registration notice: it is claimed, not acknowledged`);
  await app.temporal.workflow.getHandle(noticeId).executeUpdate(answerNoticeUpdate, { args: [{ actor: actorOf(p), ...(note && { note }) }] });
  return noticeOf((await noticeById(app.db, noticeId))!);
}

/** The department a notice (or a case: kind registration) may go to: it exists, in the same world (live or rehearsal), and an approval department for a registration. */
export async function forwardTarget(app: FastifyInstance, n: { kind: string; regionCode: string }, to: string, what = 'a notice of') {
  const d = await departmentByCode(app.db, to);
  if (!d) throw unprocessable(`department ${to} does not exist`);
  if (n.kind === 'registration' && d.side !== 'approval') throw unprocessable(`department ${to} is on the ${d.side} side: a registration notice goes to an approval department`);
  const misfit = worldMisfit(await policyUnits(app.db, [], [n.regionCode, d.regionCode]), n.regionCode, d.code, d.regionCode);
  if (misfit) throw unprocessable(misfit.replace('an item of', what));
  return d;
}

const note = z.object({ note: z.string().trim().max(1000).optional() }).strict();
const forwardBody = z.object({ toDepartment: code.describe('the department that holds the power'), reason: shortText(500) }).strict().meta({ id: 'NoticeForward', examples: [{ toDepartment: 'HZ-SPJ', reason: '该事项已下放海州区行政审批局办理' }] });

const concern = z
  .object({ departmentCode: code.optional(), supervisionItemCode: code.optional().describe("the other department's supervision item the finding touches: its department and division by the catalog") })
  .strict()
  .refine((c) => Boolean(c.departmentCode) !== Boolean(c.supervisionItemCode), { message: 'name a departmentCode or a supervisionItemCode, one of them' });
const linkageBody = z
  .object({
    reference: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "1-64 letters, digits, _ or -: the reporter's own number of the finding").describe('the idempotency key, per reporting department'),
    taskId: taskIdParam.shape.taskId.optional().describe('the supervision task whose inspection or feedback found it'),
    applicationNo: applicationNo.optional().describe('the case it was found in'),
    matter: shortText(500).describe('what was found, and why it concerns the other department'),
    concerns: z.array(concern).min(1).max(10),
  })
  .strict()
  .refine((b) => Boolean(b.taskId) !== Boolean(b.applicationNo), { message: 'name the taskId or the applicationNo the finding was made in, one of them', path: ['taskId'] })
  .meta({ id: 'LinkageNoticeRequest', examples: [{ reference: 'JC-2026-0042', taskId: 'task-LYG-SPJ-2026-0001.LYG-SJJ', matter: '检查发现经营场所存在消防通道堵塞问题', concerns: [{ departmentCode: 'LYG-ZJJ' }] }] });
type LinkageBody = z.infer<typeof linkageBody>;
const linkageAnswer = z.object({ reference: z.string(), repeated: z.boolean(), notices: z.array(z.object({ noticeId: z.string(), departmentCode: z.string(), divisionCode: z.string().nullable() })) }).meta({ id: 'LinkageNoticeReceipt' });

/** Each concerned department, by the catalog (a supervision item's department and division) or as named. */
async function recipients(app: FastifyInstance, b: LinkageBody, own: string, region: string): Promise<NoticeRecipient[]> {
  const out = new Map<string, NoticeRecipient>();
  for (const c of b.concerns) {
    let to: NoticeRecipient;
    if (c.supervisionItemCode) {
      const [item] = await app.db.select().from(supervisionItems).where(eq(supervisionItems.code, c.supervisionItemCode));
      if (!item) throw unprocessable(`supervision item ${c.supervisionItemCode} is not in the catalog`);
      to = { departmentCode: item.departmentCode, ...(item.divisionCode && { divisionCode: item.divisionCode }) };
    } else to = { departmentCode: c.departmentCode! };
    const d = await departmentByCode(app.db, to.departmentCode);
    if (!d) throw unprocessable(`department ${to.departmentCode} does not exist`);
    if (d.code === own) throw unprocessable(`department ${own} is the reporter's own: a 联动告知 goes to another department`);
    const misfit = worldMisfit(await policyUnits(app.db, [], [region, d.regionCode]), region, d.code, d.regionCode);
    if (misfit) throw unprocessable(misfit.replace('an item of', 'a finding of'));
    if (!out.has(d.code)) out.set(d.code, to);
  }
  return [...out.values()];
}

async function raiseLinkage(app: FastifyInstance, p: Principal, b: LinkageBody) {
  const source = b.taskId ? await taskForReader(app.db, p, b.taskId) : undefined;
  const c = await caseForReader(app.db, p, source?.applicationNo ?? b.applicationNo!);
  if (p.role === 'supervision' && source && p.division && source.divisionCode !== p.division) throw forbidden(`task ${source.taskId} belongs to division ${source.divisionCode}`);
  const own = p.department!;
  const to = await recipients(app, b, own, c.regionCode);
  const ref = `${own}.${b.reference}`;
  const ids = to.map((t) => findingNoticeId(ref, t.departmentCode));
  const hash = createHash('sha256').update(JSON.stringify({ taskId: b.taskId ?? null, applicationNo: c.applicationNo, matter: b.matter, ids: [...ids].sort() })).digest('hex');
  const key = `${c.applicationNo}:finding:${ref}`;
  const seen = await stepByKey(app.db, key);
  if (seen && seen.detail.requestHash !== hash) throw conflict(`finding ${b.reference} of ${own} was already reported with another body`);
  if (!seen) {
    // The report on the reporter's trail first: the request's idempotency key, and the other side's notices follow it.
    await app.db.insert(auditEvents).values({ eventKey: key, applicationNo: c.applicationNo, taskId: b.taskId ?? null, kind: 'finding-reported', summary: `finding ${b.reference} reported by ${p.sub} to ${to.map((t) => t.departmentCode).join(', ')} (联动告知): ${b.matter}`, actor: actorOf(p), detail: { requestHash: hash, noticeIds: ids } }).onConflictDoNothing();
  }
  for (const [i, t] of to.entries()) {
    await startNotice(app, { noticeId: ids[i]!, kind: 'linkage', to: t, raisedBy: actorOf(p), originTrail: c.applicationNo, creditCode: c.applicantCreditCode, subjectName: c.applicantName, matter: b.matter, itemCode: c.itemCode, applicationNo: c.applicationNo, ...(b.taskId && { taskId: b.taskId }) });
  }
  return { reference: b.reference, repeated: Boolean(seen), notices: to.map((t, i) => ({ noticeId: ids[i]!, departmentCode: t.departmentCode, divisionCode: t.divisionCode ?? null })) };
}

const noticeActions: FastifyPluginAsyncZod = async (app) => {
  const answered = { 200: noticeView, ...workflowProblems };
  app.post(
    '/v1/notices/:noticeId/claim',
    { config: { roles: ['approval'] }, schema: { operationId: 'claimNotice', tags: ['notices'], summary: 'Claim a registration notice (双告知 认领)', params: noticeIdParam, body: note.optional(), response: answered } },
    async (req) => answer(app, req.principal, req.params.noticeId, 'registration', req.body?.note),
  );
  app.post(
    '/v1/notices/:noticeId/acknowledge',
    { config: { roles: ['approval', 'supervision'] }, schema: { operationId: 'acknowledgeNotice', tags: ['notices'], summary: 'Acknowledge a linkage notice (联动告知 签收, 双反馈)', params: noticeIdParam, body: note.optional(), response: answered } },
    async (req) => answer(app, req.principal, req.params.noticeId, 'linkage', req.body?.note),
  );
  app.post(
    '/v1/notices/:noticeId/forward',
    { config: { roles: ['approval', 'supervision'] }, schema: { operationId: 'forwardNotice', tags: ['notices'], summary: 'Forward a notice to the department that holds the power (转办), with the reason', params: noticeIdParam, body: forwardBody, response: answered } },
    async (req) => {
      const row = await noticeForReader(app, req.principal, req.params.noticeId);
      await forwardTarget(app, row, req.body.toDepartment);
      await app.temporal.workflow.getHandle(row.noticeId).executeUpdate(forwardNoticeUpdate, { args: [{ actor: actorOf(req.principal), toDepartment: req.body.toDepartment, reason: req.body.reason }] });
      return noticeOf((await noticeById(app.db, row.noticeId))!);
    },
  );
  app.post(
    '/v1/linkage-notices',
    { config: { roles: ['approval', 'supervision'] }, schema: { operationId: 'raiseLinkageNotice', tags: ['notices'], summary: "Raise a 联动告知: a finding that concerns other departments' domains, each to acknowledge within its window", body: linkageBody, response: { 201: linkageAnswer, 200: linkageAnswer, ...workflowProblems } } },
    async (req, reply) => {
      const r = await raiseLinkage(app, req.principal, req.body);
      return reply.code(r.repeated ? 200 : 201).send(r);
    },
  );
};

export default noticeActions;
