// 双告知 (seed 004 五(一)): the market regulator's registration system posts each registration; its
// business scope (经营范围) is mapped to approval items by the region's mapping catalog, and each
// item's approval department gets a notice to claim — forwarded by the division of powers
// (市县分工) where the power is held elsewhere. The registration id is the idempotency key: the
// same body again answers 200, another body 409.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { registrationNoticeId, registrationTrail, type DepartmentNoticeInput } from '../../../workflows/contracts.js';
import { mappingsForScope, noticesOfRegistration, registrationById, type RegistrationRow } from '../../../db/queries/notices.js';
import { approvalItemByCode } from '../../../db/queries/catalog.js';
import { regionExists } from '../../../db/queries/organization.js';
import { auditEvents, registrations } from '../../../db/schema/index.js';
import { REGISTRATION_PLATFORM, actorOf, type Principal } from '../../auth.js';
import { conflict, forbidden, notFound, unprocessable, workflowProblems } from '../../errors.js';
import { code, creditCode, isoInstant, shortText } from '../../schemas.js';
import { noticeOf, noticeView, startNotice } from './view.js';

const registrationBody = z
  .object({
    registrationId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/, "3-64 letters, digits, _ or -: the registration system's own id").describe('the idempotency key'),
    creditCode,
    name: shortText(200).describe('企业名称'),
    businessScope: shortText(4000).describe('经营范围, as registered'),
    registeredAt: isoInstant,
    districtCode: code.optional().describe("the county of the enterprise's address (区县): the division of powers is looked up for it first"),
  })
  .strict()
  .meta({ id: 'Registration', examples: [{ registrationId: 'SJ-2026-000123', creditCode: '91320700MA1N000019', name: '连云港海州示例餐饮店', businessScope: '许可项目：食品销售；餐饮服务。一般项目：日用百货销售', registeredAt: '2026-03-02T10:30:00+08:00', districtCode: '320706' }] });
type RegistrationBody = z.infer<typeof registrationBody>;

const registrationView = z
  .object({
    registrationId: z.string(),
    regionCode: z.string(),
    districtCode: z.string().nullable(),
    creditCode: z.string(),
    name: z.string(),
    businessScope: z.string(),
    registeredAt: z.string(),
    receivedAt: z.string(),
    matched: z.array(z.object({ noticeId: z.string(), itemCode: z.string(), term: z.string(), mappingVersion: z.number().int() })).describe('the approval items the scope maps to, each with its notice and the version of the mapping'),
    notices: z.array(noticeView).describe('each notice as it stands now (a notice appears once its workflow has opened it)'),
  })
  .meta({ id: 'RegistrationReceipt' });

function requestHash(b: RegistrationBody): string {
  const canonical = { ...b, registeredAt: new Date(b.registeredAt).toISOString(), districtCode: b.districtCode ?? null };
  return createHash('sha256').update(JSON.stringify(Object.entries(canonical).sort(([a], [c]) => a.localeCompare(c)))).digest('hex');
}

async function viewOf(app: FastifyInstance, r: RegistrationRow): Promise<z.infer<typeof registrationView>> {
  const notices = await noticesOfRegistration(app.db, r.registrationId);
  return { registrationId: r.registrationId, regionCode: r.regionCode, districtCode: r.districtCode, creditCode: r.creditCode, name: r.name, businessScope: r.businessScope, registeredAt: r.registeredAt.toISOString(), receivedAt: r.receivedAt.toISOString(), matched: r.matched, notices: notices.map((n) => noticeOf(n)) };
}

function noticeInput(r: RegistrationRow, m: RegistrationRow['matched'][number], department: string, p: Principal): DepartmentNoticeInput {
  return {
    noticeId: m.noticeId,
    kind: 'registration',
    to: { departmentCode: department },
    raisedBy: actorOf(p),
    originTrail: registrationTrail(r.registrationId),
    creditCode: r.creditCode,
    subjectName: r.name,
    matter: `registered ${r.registeredAt.toISOString().slice(0, 10)}; business scope names ${m.term} (${m.itemCode})`,
    registrationId: r.registrationId,
    itemCode: m.itemCode,
    ...(r.districtCode && { districtCode: r.districtCode }),
  };
}

/** The registration kept (or found kept with the same body), then each of its notices started — again on a repeat, which finds them started. */
async function receive(app: FastifyInstance, p: Principal, b: RegistrationBody): Promise<{ status: 200 | 201; row: RegistrationRow }> {
  const hash = requestHash(b);
  const region = p.region!;
  if (b.districtCode && !(await regionExists(app.db, b.districtCode))) throw unprocessable(`district ${b.districtCode} is not a known region`);
  let row = await registrationById(app.db, b.registrationId);
  let status: 200 | 201 = 200;
  if (row && (row.requestHash !== hash || row.regionCode !== region)) throw conflict(`registration ${b.registrationId} was already received with a different body`);
  if (!row) {
    const mappings = await mappingsForScope(app.db, region, b.businessScope);
    const byItem = new Map<string, (typeof mappings)[number]>();
    for (const m of mappings) if (!byItem.has(m.approvalItemCode)) byItem.set(m.approvalItemCode, m);
    const matched = [...byItem.values()].map((m) => ({ noticeId: registrationNoticeId(b.registrationId, m.approvalItemCode), itemCode: m.approvalItemCode, term: m.term, mappingVersion: m.version }));
    const trail = registrationTrail(b.registrationId);
    const inserted = await app.db.transaction(async (tx) => {
      const [r] = await tx
        .insert(registrations)
        .values({ registrationId: b.registrationId, regionCode: region, districtCode: b.districtCode ?? null, creditCode: b.creditCode, name: b.name, businessScope: b.businessScope, registeredAt: new Date(b.registeredAt), requestHash: hash, receivedBy: actorOf(p), matched })
        .onConflictDoNothing()
        .returning();
      if (!r) return undefined;
      const summary = `registration ${b.registrationId} of ${b.name} (${b.creditCode}) received from ${p.platform}: ${matched.length ? `business scope maps to ${matched.map((m) => `${m.itemCode} (${m.term})`).join(', ')}` : 'no item of the mapping catalog is named by its business scope'}`;
      await tx.insert(auditEvents).values({ eventKey: `${trail}:received`, applicationNo: trail, kind: 'registration-received', summary, actor: actorOf(p), detail: { matched } });
      return r;
    });
    if (!inserted) return receive(app, p, b); // a concurrent post of the same id kept it first
    row = inserted;
    status = 201;
  }
  for (const m of row.matched) {
    const item = await approvalItemByCode(app.db, m.itemCode);
    if (item) await startNotice(app, noticeInput(row, m, item.departmentCode, p));
  }
  return { status, row };
}

const registrationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/v1/registrations',
    {
      config: { roles: ['platform'] },
      schema: { operationId: 'receiveRegistration', tags: ['notices'], summary: "A registration from the market regulator's registration system (双告知): a notice to claim to each competent approval department", body: registrationBody, response: { 201: registrationView, 200: registrationView, ...workflowProblems } },
    },
    async (req, reply) => {
      if (req.principal.platform !== REGISTRATION_PLATFORM) throw forbidden(`platform ${req.principal.platform} does not post registrations: only ${REGISTRATION_PLATFORM} does`);
      const { status, row } = await receive(app, req.principal, req.body);
      return reply.code(status).send(await viewOf(app, row));
    },
  );
  app.get(
    '/v1/registrations/:registrationId',
    { config: { roles: ['platform', 'regional-admin', 'operator'] }, schema: { operationId: 'getRegistration', tags: ['notices'], summary: 'A registration as received, and its notices', params: z.object({ registrationId: registrationBody.shape.registrationId }), response: { 200: registrationView, ...workflowProblems } } },
    async (req) => {
      const row = await registrationById(app.db, req.params.registrationId);
      if (!row) throw notFound(`registration ${req.params.registrationId}`);
      const p = req.principal;
      const mine = p.role === 'operator' || ((p.role === 'regional-admin' || p.platform === REGISTRATION_PLATFORM) && p.region === row.regionCode);
      if (!mine) throw forbidden(`registration ${row.registrationId} is of region ${row.regionCode}`);
      return viewOf(app, row);
    },
  );
};

export default registrationRoutes;
