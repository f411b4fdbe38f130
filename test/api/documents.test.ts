// Materials as documents on the real parts (dev server, worker, PostgreSQL): an approval
// department stores a file — PDF, OFD, JPEG or PNG, told by its bytes, within the size limit —
// names it in a submission or in the deferred materials, and the supervising division reads it
// in the dossier of its task and downloads the same bytes. To anyone else it does not exist; a
// case that names another department's file is refused and never starts.
import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WorkflowNotFoundError } from '@temporalio/client';
import { count, eq } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { cases, documents, notifications } from '../../db/schema/index.js';
import { caseWorkflowId } from '../../workflows/contracts.js';
import { applicationNoOf, approver, database, foodDivision, freshCreditCode, healthDivision, testConfig, uniqueId, waitFor, DEMO } from '../helpers.js';
import { jpegFile, ofdFile, pdfFile, plainZipFile, pngFile } from '../document-files.js';
import { withCallers } from './harness.js';

const LIMIT = 64 * 1024;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('documents-tq'), DOCUMENT_MAX_BYTES: String(LIMIT) });

const people = {
  approver,
  otherApprover: { sub: 'approval:other-spj', role: 'approval', department: 'OTHER-SPJ' },
  food: foodDivision,
  marketHead: { sub: 'supervision:lyg-sjj-head', role: 'supervision', department: DEMO.market },
  equipment: { sub: 'supervision:lyg-sjj-tzsb', role: 'supervision', department: DEMO.market, division: 'LYG-SJJ-TZSB' },
  medicalDevices: { sub: 'supervision:lyg-sjj-ylqx', role: 'supervision', department: DEMO.market, division: 'LYG-SJJ-YLQX' },
  health: healthDivision,
  operator: { sub: 'operator:ops', role: 'operator' },
} satisfies Record<string, Principal>;
type Who = keyof typeof people;
const { call, tokens, app, harness } = withCallers(config, people);
const upload = (who: Who, bytes: Buffer, contentType: string, fileName?: string) =>
  app().inject({ method: 'POST', url: `/v1/documents${fileName ? `?fileName=${encodeURIComponent(fileName)}` : ''}`, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': contentType }, payload: bytes });
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const documentCount = async () => (await database().db.select({ n: count() }).from(documents))[0]!.n;

async function stored(who: Who, bytes: Buffer, contentType = 'application/pdf', fileName?: string): Promise<string> {
  const r = await upload(who, bytes, contentType, fileName);
  expect(r.statusCode, r.body).toBe(201);
  return r.json().documentId as string;
}

const applicant = () => ({ creditCode: freshCreditCode(), name: '材料文件测试食品有限公司', phone: '13700000051' });
const submit = (materials: unknown[], extra: Record<string, unknown> = {}) => {
  const applicationNo = applicationNoOf('DOC');
  return { applicationNo, answer: call('POST', '/v1/applications', 'approver', { applicationNo, itemCode: 'SP-FOOD-01', applicant: applicant(), materials, ...extra }) };
};
const claimNoticeSent = async (taskId: string) => (await database().db.select().from(notifications).where(eq(notifications.businessKey, `${taskId}:claim-notice`))).length === 1;

describe('POST /v1/documents', () => {
  it('stores a PDF: 201 with its sha-256, size and media type, owned by the uploading department', async () => {
    const bytes = pdfFile();
    const before = await documentCount();
    const r = await upload('approver', bytes, 'application/pdf', '营业执照副本.pdf');
    expect(r.statusCode, r.body).toBe(201);
    const answer = r.json();
    expect(answer).toEqual({
      documentId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      sha256: sha256(bytes),
      size: bytes.length,
      mediaType: 'application/pdf',
      fileName: '营业执照副本.pdf',
      departmentCode: DEMO.approvalDepartment,
      createdAt: expect.any(String),
      href: `/v1/documents/${answer.documentId}`,
    });
    expect(r.headers.location).toBe(answer.href);
    expect(await documentCount()).toBe(before + 1);
    const [row] = await database().db.select().from(documents).where(eq(documents.id, answer.documentId));
    expect(row).toMatchObject({ departmentCode: DEMO.approvalDepartment, uploadedBy: approver.sub, sha256: sha256(bytes), size: bytes.length });
    expect(Buffer.compare(row!.content, bytes)).toBe(0);
    // Its department reads its metadata before any case names it.
    expect((await call('GET', `${answer.href}/meta`, 'approver')).json()).toEqual(answer);
  });

  it('the same bytes again from the same department answer the document already stored (200); from another department they are its own', async () => {
    const bytes = pngFile();
    const first = await upload('approver', bytes, 'image/png', '现场照片.png');
    expect(first.statusCode, first.body).toBe(201);
    const again = await upload('approver', bytes, 'image/png', '另一个名字.png');
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toEqual(first.json());
    const other = await upload('otherApprover', bytes, 'image/png');
    expect(other.statusCode, other.body).toBe(201);
    expect(other.json()).toMatchObject({ sha256: first.json().sha256, departmentCode: 'OTHER-SPJ' });
    expect(other.json().documentId).not.toBe(first.json().documentId);
  });

  it('takes OFD (a zip with OFD.xml at its root) and JPEG by their signatures', async () => {
    for (const [bytes, type] of [[ofdFile(), 'application/ofd'], [jpegFile(), 'image/jpeg']] as const) {
      const r = await upload('approver', bytes, type);
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json()).toMatchObject({ mediaType: type, sha256: sha256(bytes), size: bytes.length });
    }
  });

  it('refuses a file whose bytes are not what it claims (415), a type not on the list, and JSON; nothing is stored', async () => {
    const before = await documentCount();
    const refused = [
      [Buffer.from('这不是PDF，只是一段文字。\n'), 'application/pdf', /sent as application\/pdf but is not a PDF/],
      [pngFile(), 'image/jpeg', /sent as image\/jpeg but is not a JPEG image/],
      [plainZipFile(), 'application/ofd', /sent as application\/ofd but is not an OFD package/],
      [pdfFile(), 'application/octet-stream', /unsupported media type/i],
      [Buffer.from('营业执照'), 'text/plain', /unsupported media type/i],
      [Buffer.from('{"name":"营业执照"}'), 'application/json', /unsupported media type/i],
    ] as const;
    for (const [bytes, type, detail] of refused) {
      const r = await upload('approver', bytes, type);
      expect(r.statusCode, `${type}: ${r.body}`).toBe(415);
      expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(r.json().detail).toMatch(detail);
    }
    expect(await documentCount()).toBe(before);
  });

  it(`refuses a file over DOCUMENT_MAX_BYTES (${LIMIT} here) with 413 and stores nothing; one of exactly the limit is taken`, async () => {
    const before = await documentCount();
    const tooLarge = await upload('approver', pdfFile(LIMIT + 1), 'application/pdf');
    expect(tooLarge.statusCode, tooLarge.body).toBe(413);
    expect(tooLarge.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(await documentCount()).toBe(before);
    const atLimit = pdfFile(LIMIT);
    expect(atLimit.length).toBe(LIMIT);
    expect((await upload('approver', atLimit, 'application/pdf')).statusCode).toBe(201);
  });

  it('leaves the JSON routes as they were: a file sent to one is 415', async () => {
    const r = await app().inject({ method: 'POST', url: '/v1/applications', headers: { authorization: `Bearer ${tokens.approver}`, 'content-type': 'application/pdf' }, payload: pdfFile() });
    expect(r.statusCode, r.body).toBe(415);
  });
});

describe('materials as documents', () => {
  it('the supervising division reads the dossier with the document and downloads the same bytes; a stranger division and another approval department get 404', async () => {
    const bytes = pdfFile(4096);
    const documentId = await stored('approver', bytes, 'application/pdf', '营业执照副本.pdf');
    const { applicationNo, answer } = submit(['食品经营许可申请书', { name: '营业执照副本', documentId }]);
    expect((await answer).statusCode).toBe(201);
    const href = `/v1/documents/${documentId}`;
    // Before the push no dossier names it: the division does not see it yet.
    expect((await call('GET', href, 'food')).statusCode).toBe(404);

    const decided = await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '材料齐全，准予许可' });
    expect(decided.statusCode, decided.body).toBe(200);
    const taskId = `task-${applicationNo}.${DEMO.market}`;
    await waitFor(() => claimNoticeSent(taskId), 30_000);

    const task = await call('GET', `/v1/tasks/${taskId}`, 'food');
    expect(task.statusCode, task.body).toBe(200);
    expect(task.json().dossier.materials).toEqual([
      { name: '食品经营许可申请书', document: null },
      { name: '营业执照副本', document: { documentId, sha256: sha256(bytes), mediaType: 'application/pdf', size: bytes.length, fileName: '营业执照副本.pdf', href } },
    ]);

    for (const who of ['food', 'marketHead', 'approver', 'operator'] as const) {
      const r = await call('GET', href, who);
      expect(r.statusCode, `${who}: ${r.body}`).toBe(200);
      expect(Buffer.compare(r.rawPayload, bytes), who).toBe(0);
      expect(r.headers).toMatchObject({ 'content-type': 'application/pdf', 'content-length': String(bytes.length), etag: `"${sha256(bytes)}"`, 'cache-control': 'private, no-store' });
      expect(r.headers['content-disposition']).toBe(`attachment; filename="______.pdf"; filename*=UTF-8''${encodeURIComponent('营业执照副本.pdf')}`);
    }
    expect((await call('GET', `${href}/meta`, 'food')).json()).toMatchObject({ documentId, sha256: sha256(bytes), departmentCode: DEMO.approvalDepartment });

    // Not theirs: the same answer as for a document that does not exist, naming nothing.
    const missing = await call('GET', `/v1/documents/${randomUUID()}`, 'food');
    expect(missing.statusCode).toBe(404);
    for (const who of ['equipment', 'health', 'otherApprover'] as const) {
      for (const url of [href, `${href}/meta`]) {
        const r = await call('GET', url, who);
        expect(r.statusCode, `${who} ${url}`).toBe(404);
        expect(r.json().detail).toBe(`document ${documentId} does not exist`);
        expect(r.body).not.toContain(DEMO.approvalDepartment);
        expect(r.body).not.toContain(sha256(bytes));
      }
    }
  });

  it("a document of another department, or none, in a submission is 422 and starts no case", async () => {
    const theirs = await stored('otherApprover', pdfFile());
    for (const documentId of [theirs, randomUUID()]) {
      const { applicationNo, answer } = submit([{ name: '营业执照副本', documentId }]);
      const r = await answer;
      expect(r.statusCode, r.body).toBe(422);
      expect(r.json().detail).toBe(`materials "营业执照副本" (${documentId}): not a document of department ${DEMO.approvalDepartment}; a case names only files its department stored with POST /v1/documents`);
      expect(await database().db.select().from(cases).where(eq(cases.applicationNo, applicationNo))).toEqual([]);
      await expect(harness().client.workflow.getHandle(caseWorkflowId(applicationNo)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }
    // Nor does the other department's file become readable to this one by being named.
    expect((await call('GET', `/v1/documents/${theirs}`, 'approver')).statusCode).toBe(404);
  });

  it('deferred materials (材料延期) name their files too: another department\'s is 422, its own reach the dossier the division reads', async () => {
    const applicationNo = applicationNoOf('DOC-DEFER');
    const body = { applicationNo, itemCode: 'SP-MEDDEV-01', applicant: applicant(), materials: ['医疗器械经营许可申请表'], route: 'commitment', commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'], text: '承诺20个工作日内补交' } };
    const submitted = await call('POST', '/v1/applications', 'approver', body);
    expect(submitted.json()).toMatchObject({ route: 'commitment' });
    expect((await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '告知承诺，准予许可' })).statusCode).toBe(200);
    await waitFor(async () => (await call('GET', `/v1/applications/${applicationNo}`, 'approver')).json().stage === 'awaiting-materials', 30_000);

    const theirs = await stored('otherApprover', pdfFile());
    const refused = await call('POST', `/v1/applications/${applicationNo}/materials`, 'approver', { materials: [{ name: '质量管理制度', documentId: theirs }] });
    expect(refused.statusCode, refused.body).toBe(422);
    expect((await call('GET', `/v1/applications/${applicationNo}`, 'approver')).json()).toMatchObject({ stage: 'awaiting-materials', licenceStatus: 'granted-on-commitment' });

    const bytes = ofdFile();
    const documentId = await stored('approver', bytes, 'application/ofd', '质量管理制度.ofd');
    const received = await call('POST', `/v1/applications/${applicationNo}/materials`, 'approver', { materials: [{ name: '质量管理制度', documentId: documentId.toUpperCase() }] });
    expect(received.statusCode, received.body).toBe(200);
    const taskId = `task-${applicationNo}.${DEMO.market}`;
    await waitFor(() => claimNoticeSent(taskId), 30_000);
    const dossier = (await call('GET', `/v1/tasks/${taskId}`, 'medicalDevices')).json().dossier;
    expect(dossier.materials).toEqual([
      { name: '医疗器械经营许可申请表', document: null },
      { name: '质量管理制度', document: { documentId, sha256: sha256(bytes), mediaType: 'application/ofd', size: bytes.length, fileName: '质量管理制度.ofd', href: `/v1/documents/${documentId}` } },
    ]);
    const download = await call('GET', `/v1/documents/${documentId}`, 'medicalDevices');
    expect(download.statusCode, download.body).toBe(200);
    expect(Buffer.compare(download.rawPayload, bytes)).toBe(0);
    // The food division supervises other cases of the department, not this one.
    expect((await call('GET', `/v1/documents/${documentId}`, 'food')).statusCode).toBe(404);
  });
});
