// The two notice catalogs imported from CSV (docs/notices.md): the business-scope mapping and
// the division of powers (市县分工), each all or nothing with every bad row named by its row and
// line, a file outside the admin's area refused (403), and the rows written with their versions.
import { describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { powerDivisions, scopeMappings } from '../../db/schema/index.js';
import { DEMO, database, testConfig, uniqueId } from '../helpers.js';
import { ok, withCallers } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('notice-import-tq') });
const { app, tokens, call } = withCallers(config, {
  admin: { sub: 'admin:320700', role: 'regional-admin', region: DEMO.region },
  otherAdmin: { sub: 'admin:320100', role: 'regional-admin', region: '320100' },
  lyg: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
});
const db = () => database().db;
const csv = (url: string, who: keyof typeof tokens, payload: string) => app().inject({ method: 'POST', url, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'text/csv; charset=utf-8' }, payload });

describe('notice catalogs: CSV import', () => {
  it('imports business-scope mappings all or nothing, naming every bad row', async () => {
    const term = uniqueId('经营');
    const bad = ['regionCode,term,approvalItemCode,note', `${DEMO.region},${term}-1,SP-ROAD-01,"道路运输，交通运输局核发"`, `${DEMO.region},${term}-2,NOPE-01,`, `999999,${term}-3,SP-ROAD-01,`, `${DEMO.region},${term}-1,SP-ROAD-01,重复`].join('\n');
    const refused = await csv('/v1/scope-mappings/import', 'admin', bad);
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().detail).toBe('3 of 4 rows rejected; nothing was imported');
    expect(refused.json().errors).toEqual([
      { field: 'row 4 (line 5)', message: expect.stringMatching(/is already in row 1 \(line 2\)/) },
      { field: 'row 2 (line 3)', message: 'approval item NOPE-01 is not in the catalog' },
      { field: 'row 3 (line 4)', message: expect.stringMatching(/999999/) },
    ]);
    expect(await db().select().from(scopeMappings).where(eq(scopeMappings.term, `${term}-1`))).toHaveLength(0);

    const good = ['\ufeffterm,approvalItemCode,regionCode,note', `${term}-1,SP-ROAD-01,${DEMO.region},"道路运输，交通运输局核发"`, `${term}-2,SP-FOOD-01,${DEMO.region},`].join('\r\n');
    const imported = await ok(await csv('/v1/scope-mappings/import', 'admin', good));
    expect(imported).toMatchObject({ imported: 2, created: 2, updated: 0 });
    const rows = await db().select().from(scopeMappings).where(inArray(scopeMappings.term, [`${term}-1`, `${term}-2`]));
    expect(rows.map((r) => [r.term, r.approvalItemCode, r.note, r.version]).sort()).toEqual([
      [`${term}-1`, 'SP-ROAD-01', '道路运输，交通运输局核发', 1],
      [`${term}-2`, 'SP-FOOD-01', null, 1],
    ]);
    // Again: a new version of each, not a second row.
    expect(await ok(await csv('/v1/scope-mappings/import', 'admin', good))).toMatchObject({ imported: 2, created: 0, updated: 2 });
    expect((await db().select().from(scopeMappings).where(eq(scopeMappings.term, `${term}-1`)))[0]!.version).toBe(2);
  });

  it('imports the division of powers; outside the area is 403, a bad header 422, a department that is not on the approval side named', async () => {
    const item = uniqueId('NOTICE-IMP');
    await ok(await call('POST', '/v1/approval-items', 'admin', { code: item, name: '导入测试事项', type: '行政许可', departmentCode: DEMO.approvalDepartment, regionCode: DEMO.region, statutoryDays: 10 }), 201);
    const header = 'regionCode,approvalItemCode,level,holderDepartmentCode,holderItemCode,legalBasis';
    const file = [header, `320706,${item},county,HZ-SPJ,,连云港市市县审批权限划分`, `${DEMO.region},${item},city,${DEMO.approvalDepartment},,`].join('\n');

    expect((await csv('/v1/power-divisions/import', 'otherAdmin', file)).statusCode).toBe(403);
    expect((await csv('/v1/power-divisions/import', 'lyg', file)).statusCode).toBe(403);
    const wrongSide = await csv('/v1/power-divisions/import', 'admin', [header, `320706,${item},township,${DEMO.market},,`, `320706,${item},county,${DEMO.market},,`].join('\n'));
    expect(wrongSide.statusCode, wrongSide.body).toBe(422);
    expect(wrongSide.json().errors).toEqual([
      expect.objectContaining({ field: 'row 1 (line 2).level' }),
      { field: 'row 2 (line 3)', message: expect.stringMatching(/on the supervision side/) },
    ]);
    const badHeader = await csv('/v1/power-divisions/import', 'admin', `regionCode,approvalItemCode,level,holder\n320706,${item},county,HZ-SPJ`);
    expect(badHeader.statusCode).toBe(422);
    expect(badHeader.json().errors[0]).toMatchObject({ field: 'header (line 1)', message: expect.stringMatching(/unknown column "holder"/) });
    expect(await db().select().from(powerDivisions).where(eq(powerDivisions.approvalItemCode, item))).toHaveLength(0);

    expect(await ok(await csv('/v1/power-divisions/import', 'admin', file))).toMatchObject({ imported: 2, created: 2, items: [{ key: `320706:${item}`, created: true }, { key: `${DEMO.region}:${item}`, created: true }] });
    const [county] = await db().select().from(powerDivisions).where(and(eq(powerDivisions.approvalItemCode, item), eq(powerDivisions.regionCode, '320706')));
    expect(county).toMatchObject({ level: 'county', holderDepartmentCode: 'HZ-SPJ', holderItemCode: null, legalBasis: '连云港市市县审批权限划分', version: 1 });
  });
});
