// Bulk import of the catalogs over HTTP: hundreds of items in one go from JSON or a CSV file,
// all or nothing, with every rejected row named and why, and only within the caller's scope.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { count, eq, like } from 'drizzle-orm';
import { buildApp } from '../../api/app.js';
import { createVerifier, type Principal } from '../../api/auth.js';
import { approvalItems, approvalItemVersions, catalogChanges, departments, supervisionItems } from '../../db/schema/index.js';
import { approver, closeDatabase, database, testConfig, tokenFor, uniqueId, DEMO, testClient } from '../helpers.js';

let app: FastifyInstance;
let connection: Connection;
const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('imp-tq') });
const otherDepartment = uniqueId('IMP-SPJ');
const people = {
  approver,
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region } as Principal,
  trainingAdmin: { sub: 'admin:training', role: 'regional-admin', region: DEMO.trainingRegion } as Principal,
  otherApprover: { sub: 'approval:other', role: 'approval', department: otherDepartment } as Principal,
  market: { sub: 'supervision:market-head', role: 'supervision', department: DEMO.market } as Principal,
};
const tokens = {} as Record<keyof typeof people, string>;

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  for (const [k, p] of Object.entries(people)) tokens[k as keyof typeof people] = await tokenFor(config, p);
  await database().db.insert(departments).values({ code: otherDepartment, name: '另一审批部门', regionCode: DEMO.region, side: 'approval' });
});
afterAll(async () => {
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

type Who = keyof typeof people | null;
const importJson = (kind: 'approval' | 'supervision', who: Who, items: unknown[]) =>
  app.inject({ method: 'POST', url: `/v1/${kind}-items/import`, headers: who ? { authorization: `Bearer ${tokens[who]}` } : {}, payload: { items } });
const importCsv = (kind: 'approval' | 'supervision', who: Who, csv: string | Buffer, contentType = 'text/csv; charset=utf-8') =>
  app.inject({ method: 'POST', url: `/v1/${kind}-items/import`, headers: { 'content-type': contentType, ...(who && { authorization: `Bearer ${tokens[who]}` }) }, payload: csv });

const item = (code: string, overrides: Record<string, unknown> = {}) => ({
  code,
  name: `测试事项 ${code}`,
  type: '行政许可',
  departmentCode: DEMO.approvalDepartment,
  regionCode: DEMO.region,
  materials: ['申请书'],
  statutoryDays: 10,
  ...overrides,
});
const codes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i + 1).padStart(3, '0')}`);

/** What the database holds under a code prefix: items, versions, change-log rows. */
async function written(prefix: string) {
  const { db } = database();
  const n = async (q: Promise<Array<{ n: number }>>) => (await q)[0]!.n;
  return {
    items: await n(db.select({ n: count() }).from(approvalItems).where(like(approvalItems.code, `${prefix}%`))),
    versions: await n(db.select({ n: count() }).from(approvalItemVersions).where(like(approvalItemVersions.itemCode, `${prefix}%`))),
    changes: await n(db.select({ n: count() }).from(catalogChanges).where(like(catalogChanges.entityKey, `${prefix}%`))),
  };
}
const allChanges = async () => (await database().db.select({ n: count() }).from(catalogChanges))[0]!.n;
const fields = (body: { errors?: Array<{ field: string; message: string }> }) => Object.fromEntries((body.errors ?? []).map((e) => [e.field, e.message]));

describe('catalog import', () => {
  it('imports 300 approval items from JSON in one go, each with its first version and a change-log row', async () => {
    const prefix = uniqueId('IMPJ');
    const long = Array.from({ length: 6 }, (_, i) => `${'申请材料'.repeat(15)}第${i + 1}份`);
    const items = codes(prefix, 300).map((c, i) =>
      item(c, i % 3 === 0 ? { materials: long, commitmentAllowed: true, commitmentScenarios: ['deferred-materials'], commitmentPeriodDays: 30 } : { materials: long, deadlinePolicy: 'standard' }),
    );
    expect(Buffer.byteLength(JSON.stringify({ items }))).toBeGreaterThan(256 * 1024); // over the app-wide body limit
    const r = await importJson('approval', 'admin', items);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ imported: 300, created: 300, updated: 0 });
    expect(r.json().items[0]).toEqual({ code: `${prefix}-001`, created: true, version: 1 });
    expect(await written(prefix)).toEqual({ items: 300, versions: 300, changes: 300 });
    const [change] = await database().db.select().from(catalogChanges).where(eq(catalogChanges.entityKey, `${prefix}-001`));
    expect(change).toMatchObject({ entity: 'approval-item', action: 'create', actor: { sub: 'admin:320700', role: 'regional-admin' } });
    const [first] = await database().db.select().from(approvalItems).where(eq(approvalItems.code, `${prefix}-001`));
    expect(first).toMatchObject({ commitmentAllowed: true, commitmentScenarios: ['deferred-materials'], commitmentPeriodDays: 30, materials: long, version: 1 });
  });

  it('imports a CSV file with a BOM, CRLF, quoted commas, quotes and line breaks, lists and 是/否', async () => {
    const prefix = uniqueId('IMPC');
    const csv =
      '\uFEFFcode,name,subItem,type,departmentCode,regionCode,materials,statutoryDays,commitmentAllowed,commitmentScenarios,commitmentPeriodDays,verifiableMaterials\r\n' +
      `${prefix}-1,"食品经营许可，含""网络""经营, 新办","第一行\r\n第二行",行政许可,LYG-SPJ,320700,"申请书; 营业执照, 复印件 ;",10,否,,,\r\n` +
      `${prefix}-2,公共场所卫生许可,,行政许可,LYG-SPJ,320700,申请书,20,是,deferred-materials;verification,30,卫生检测报告\r\n` +
      `${prefix}-3,酒类经营许可,,行政许可,LYG-SPJ,320700,,15,FALSE,,,\r\n` +
      ',,,,,,,,,,,\r\n';
    const r = await importCsv('approval', 'approver', csv);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ imported: 3, created: 3, updated: 0 });
    const rows = await database().db.select().from(approvalItems).where(like(approvalItems.code, `${prefix}%`)).orderBy(approvalItems.code);
    expect(rows.map((x) => [x.code, x.name, x.subItem, x.materials, x.commitmentAllowed, x.commitmentScenarios, x.commitmentPeriodDays, x.regionCode])).toEqual([
      [`${prefix}-1`, '食品经营许可，含"网络"经营, 新办', '第一行\n第二行', ['申请书', '营业执照, 复印件'], false, [], null, '320700'],
      [`${prefix}-2`, '公共场所卫生许可', null, ['申请书'], true, ['deferred-materials', 'verification'], 30, '320700'],
      [`${prefix}-3`, '酒类经营许可', null, [], false, [], null, '320700'],
    ]);
    expect(await written(prefix)).toEqual({ items: 3, versions: 3, changes: 3 });
  });

  it('reads a GB18030 file when the charset says so, and refuses one that is not UTF-8 otherwise', async () => {
    const prefix = uniqueId('IMPG');
    const gbk = (hex: string) => Buffer.from(hex, 'hex');
    const file = Buffer.concat([
      Buffer.from(`code,name,type,departmentCode,regionCode,statutoryDays\n${prefix}-1,`),
      gbk('cab3c6b7'), // 食品
      Buffer.from(','),
      gbk('d0d0d5fed0edbfc9'), // 行政许可
      Buffer.from(',LYG-SPJ,320700,10\n'),
    ]);
    const notUtf8 = await importCsv('approval', 'admin', file, 'text/csv');
    expect(notUtf8.statusCode).toBe(400);
    expect(notUtf8.json().detail).toMatch(/not UTF-8/);
    const r = await importCsv('approval', 'admin', file, 'text/csv; charset=GBK');
    expect(r.statusCode, r.body).toBe(200);
    const [row] = await database().db.select().from(approvalItems).where(eq(approvalItems.code, `${prefix}-1`));
    expect(row).toMatchObject({ name: '食品', type: '行政许可' });
  });

  it('rejects a file with bad rows whole, writes nothing, and names every bad row and why', async () => {
    const prefix = uniqueId('IMPB');
    const items = codes(prefix, 50).map((c) => item(c));
    items[6] = item(`${prefix}-007`, { type: '行政审批' });
    items[11] = item(`${prefix}-012`, { departmentCode: 'NO-SUCH-DEPT' });
    items[19] = item(`${prefix}-003`);
    items[29] = item(`${prefix}-030`, { departmentCode: DEMO.market });
    items[39] = item(`${prefix}-040`, { statutoryDays: 'ten', regionCode: '999999', extra: 1 });
    const changesBefore = await allChanges();

    const r = await importJson('approval', 'admin', items);
    expect(r.statusCode, r.body).toBe(422);
    expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
    const body = r.json();
    expect(body.detail).toBe('5 of 50 rows rejected; nothing was imported');
    const byField = fields(body);
    expect(byField['items[6].type']).toMatch(/Invalid option: expected one of "行政许可"/);
    expect(byField['items[11].departmentCode']).toBe('department NO-SUCH-DEPT does not exist');
    expect(byField['items[19].code']).toBe(`code ${prefix}-003 is already in items[2]; each item may appear once`);
    expect(byField['items[29].departmentCode']).toBe('department LYG-SJJ is a supervision department; approval items belong to a department on the approval side');
    // Every problem of a row, not only its first.
    expect(byField['items[39].statutoryDays']).toMatch(/expected number/);
    expect(byField['items[39].regionCode']).toBe('region 999999 does not exist');
    expect(byField['items[39]']).toMatch(/Unrecognized key: "extra"/);
    expect(body.errors).toHaveLength(7);

    expect(await written(prefix)).toEqual({ items: 0, versions: 0, changes: 0 });
    expect(await allChanges()).toBe(changesBefore);
  });

  it('names a bad CSV row by its number and the line it starts on, and an unknown column once', async () => {
    const prefix = uniqueId('IMPL');
    const csv = [
      'code,name,type,departmentCode,regionCode,statutoryDays,color',
      `${prefix}-1,"两行\n名称",行政许可,LYG-SPJ,320700,10,red`,
      `${prefix}-2,名称,行政许可,LYG-SPJ,320700,十天,`,
      `${prefix}-3,名称,行政许可,LYG-SPJ,320700`,
      '',
      `${prefix}-4,名称,行政许可,LYG-SPJ,320700,10,`,
    ].join('\n');
    const r = await importCsv('approval', 'admin', csv);
    expect(r.statusCode, r.body).toBe(422);
    expect(r.json().detail).toBe('2 of 4 rows rejected; nothing was imported');
    expect(fields(r.json())).toEqual({
      'header (line 1)': expect.stringMatching(/^unknown column "color"; the columns are code, name, subItem/),
      'row 2 (line 4).statutoryDays': expect.stringMatching(/expected number, received string/),
      'row 3 (line 5)': '5 cells, but the header has 7 columns',
      'row 3 (line 5).statutoryDays': expect.stringMatching(/expected number/),
    });
    expect(await written(prefix)).toEqual({ items: 0, versions: 0, changes: 0 });
  });

  it('re-importing updates each item: version 2, an update in the change log, left-out fields cleared', async () => {
    const prefix = uniqueId('IMPU');
    const [a, b] = codes(prefix, 2) as [string, string];
    expect((await importJson('approval', 'admin', [item(a, { subItem: '旧子项' }), item(b)])).statusCode).toBe(200);
    const r = await importJson('approval', 'approver', [item(a, { name: '改名后的事项' }), item(b)]);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ imported: 2, created: 0, updated: 2, items: [{ code: a, created: false, version: 2 }, { code: b, created: false, version: 2 }] });
    const [row] = await database().db.select().from(approvalItems).where(eq(approvalItems.code, a));
    expect(row).toMatchObject({ name: '改名后的事项', subItem: null, version: 2 });
    expect(await written(prefix)).toEqual({ items: 2, versions: 4, changes: 4 });
    const changes = await database().db.select().from(catalogChanges).where(eq(catalogChanges.entityKey, a)).orderBy(catalogChanges.id);
    expect(changes.map((c) => [c.action, c.actor.sub])).toEqual([
      ['create', 'admin:320700'],
      ['update', 'approval:clerk'],
    ]);
  });

  it('imports supervision items for the own department and checks that a division is of that department', async () => {
    const prefix = uniqueId('IMPS');
    const rows = [
      { code: `${prefix}-1`, name: '食品经营监督检查', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, inspectionMethod: '双随机' },
      { code: `${prefix}-2`, name: '特种设备监督检查', departmentCode: DEMO.market },
    ];
    const r = await importJson('supervision', 'market', rows);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ imported: 2, created: 2, updated: 0, items: [{ code: `${prefix}-1`, created: true, version: 1 }, { code: `${prefix}-2`, created: true, version: 1 }] });
    const bad = await importJson('supervision', 'market', [{ ...rows[1], divisionCode: DEMO.healthDivision }]);
    expect(bad.statusCode).toBe(422);
    expect(fields(bad.json())).toEqual({ 'items[0].divisionCode': `division ${DEMO.healthDivision} belongs to department ${DEMO.health}, not to ${DEMO.market}` });
    const [kept] = await database().db.select().from(supervisionItems).where(eq(supervisionItems.code, `${prefix}-2`));
    expect(kept!.divisionCode).toBeNull();
  });

  it("refuses rows outside the caller's scope with 403 and writes nothing", async () => {
    const prefix = uniqueId('IMPA');
    const items = codes(prefix, 3).map((c) => item(c));
    const changesBefore = await allChanges();

    const otherDept = await importJson('approval', 'otherApprover', items);
    expect(otherDept.statusCode, otherDept.body).toBe(403);
    expect(otherDept.json().detail).toBe('3 of 3 rows rejected; nothing was imported');
    expect(fields(otherDept.json())['items[0].departmentCode']).toBe(`you may import items of your own department ${otherDepartment} only, not of LYG-SPJ`);

    const otherRegion = await importJson('approval', 'trainingAdmin', items);
    expect(otherRegion.statusCode).toBe(403);
    expect(fields(otherRegion.json())['items[2].departmentCode']).toBe('department LYG-SPJ is in region 320700, not in your region TRAIN-320700');

    const wrongRole = await importJson('approval', 'market', items);
    expect(wrongRole.statusCode).toBe(403);
    expect(wrongRole.json().detail).toMatch(/role supervision may not POST/);

    expect((await importJson('approval', null, items)).statusCode).toBe(401);
    expect((await importCsv('approval', null, 'code\nX\n')).statusCode).toBe(401);
    expect(await written(prefix)).toEqual({ items: 0, versions: 0, changes: 0 });
    expect(await allChanges()).toBe(changesBefore);
  });

  it("does not let a department take over another department's item by importing it as its own", async () => {
    const prefix = uniqueId('IMPH');
    expect((await importJson('approval', 'approver', [item(`${prefix}-1`)])).statusCode).toBe(200);
    const takeover = await importJson('approval', 'otherApprover', [item(`${prefix}-1`, { departmentCode: otherDepartment })]);
    expect(takeover.statusCode, takeover.body).toBe(403);
    expect(fields(takeover.json())).toEqual({ 'items[0].code': `${prefix}-1 exists and belongs to department LYG-SPJ: you may import items of your own department ${otherDepartment} only, not of LYG-SPJ` });
    // A scope problem among others is one problem of many: 422.
    const mixed = await importJson('approval', 'otherApprover', [item(`${prefix}-2`), item(`${prefix}-3`, { departmentCode: otherDepartment, statutoryDays: 0 })]);
    expect(mixed.statusCode).toBe(422);
    const [row] = await database().db.select().from(approvalItems).where(eq(approvalItems.code, `${prefix}-1`));
    expect(row).toMatchObject({ departmentCode: DEMO.approvalDepartment, version: 1 });
  });

  it('refuses a malformed file or envelope with 400 before checking rows', async () => {
    const unterminated = await importCsv('approval', 'admin', `code,name\nA,ok\nB,"never closed\nC,x\n`);
    expect(unterminated.statusCode).toBe(400);
    expect(unterminated.json()).toMatchObject({ status: 400, title: 'Malformed CSV', detail: 'line 3: a quoted field is never closed (a " is missing)' });
    expect((await importCsv('approval', 'admin', '\uFEFF\r\n')).json().detail).toMatch(/the file is empty/);
    expect((await importCsv('approval', 'admin', 'code,name\n')).json().detail).toMatch(/no rows/);

    const tooMany = await importJson('approval', 'admin', codes('X', 2001).map((c) => ({ code: c })));
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toMatch(/items: Too big: expected array to have <=2000 items/);
    const none = await importJson('approval', 'admin', []);
    expect(none.statusCode).toBe(400);
    const notAnObject = await app.inject({ method: 'POST', url: '/v1/approval-items/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' }, payload: '"code,name"' });
    expect(notAnObject.statusCode).toBe(400);
    const otherType = await app.inject({ method: 'POST', url: '/v1/approval-items/import', headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/xml' }, payload: '<items/>' });
    expect(otherType.statusCode).toBe(415);
  });

  it('documents both routes, with both media types and the row fields, in the OpenAPI document', async () => {
    const r = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode, r.body).toBe(200);
    for (const path of ['/v1/approval-items/import', '/v1/supervision-items/import']) {
      const op = r.json().paths[path].post;
      expect(op.tags).toEqual(['catalog']);
      expect(Object.keys(op.requestBody.content).sort()).toEqual(['application/json', 'text/csv']);
      expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '409', '413', '415', '422']);
    }
    // Error bodies are declared with the media type they are answered with.
    const responses = r.json().paths['/v1/approval-items/import'].post.responses;
    expect(Object.keys(responses['200'].content)).toEqual(['application/json']);
    for (const status of ['400', '401', '403', '409', '413', '415', '422']) expect(Object.keys(responses[status].content), status).toEqual(['application/problem+json']);
    expect(Object.keys(r.json().paths['/v1/tasks/{taskId}/claim'].post.responses['503'].content)).toEqual(['application/problem+json']);
    const json = r.json().paths['/v1/approval-items/import'].post.requestBody.content['application/json'].schema;
    const envelope = json.anyOf.find((s: { type: string }) => s.type === 'object');
    expect(envelope.properties.items.maxItems).toBe(2000);
    expect(envelope.properties.items.items.properties.statutoryDays.type).toBe('integer');
    expect(envelope.properties.items.items.required).toContain('departmentCode');
  });
});
