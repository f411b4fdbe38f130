// The monthly 通报 of a seeded region: the JSON gives exactly the figures worked out by hand (the
// same definitions as /v1/stats/timeliness), the HTML page opened in a real headless Chromium
// shows its three charts and the Chinese names (screenshot kept in test-output/), the PDF has
// its three A4 pages with the expected text (pdftotext), a kept month answers what was kept,
// and who may read it is the operator and the region's own admin.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { buildApp } from '../../api/app.js';
import { createVerifier } from '../../api/auth.js';
import { chromiumPrinter } from '../../api/plugins/pdf.js';
import { negotiate } from '../../api/routes/reports.js';
import { keepReport, monthlyReport, reportHash, type MonthlyReport } from '../../db/queries/reports.js';
import { projectRoot } from '../../runtime/config.js';
import { closeDatabase, database, testClient, testConfig, tokenFor } from '../helpers.js';
import { expectedNovember, seedReportRegion, type ReportRegion } from './fixture.js';

const config = testConfig();
const outDir = path.join(projectRoot, 'test-output');
let app: FastifyInstance;
let connection: Connection;
let browser: Browser;
let r: ReportRegion;
const tokens = { operator: '', admin: '', otherAdmin: '', supervision: '' };

beforeAll(async () => {
  connection = await Connection.connect({ address: config.temporal.address });
  app = await buildApp({ config, database: database(), temporal: testClient(connection), verifier: await createVerifier(config) });
  r = await seedReportRegion();
  tokens.operator = await tokenFor(config, { sub: 'ops', role: 'operator' });
  tokens.admin = await tokenFor(config, { sub: 'admin', role: 'regional-admin', region: r.region });
  tokens.otherAdmin = await tokenFor(config, { sub: 'admin2', role: 'regional-admin', region: '320700' });
  tokens.supervision = await tokenFor(config, { sub: 's', role: 'supervision', department: r.sjj, division: r.food });
  await mkdir(outDir, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await connection?.close();
  await closeDatabase();
});

const get = (url: string, token: string, accept?: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...(accept && { accept }) } });
const url = () => `/v1/reports/monthly?region=${r.region}&month=2025-11`;

describe('the monthly 通报 as JSON', () => {
  it('gives exactly the seeded month’s figures, per department and division, with the trend and what is overdue', async () => {
    const res = await get(url(), tokens.operator);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toMatchObject({ ...expectedNovember(r), kept: null });
    expect(body.trend).toHaveLength(12);
    expect(body.trend[0].month).toBe('2024-12');
    expect(body.trend.slice(10)).toEqual([
      { month: '2025-10', received: 2, claimedOnTime: 1, claimedLate: 1, unclaimedPastDeadline: 0, feedbackOnTime: 2, feedbackLate: 0, claimOnTimeRate: 0.5 },
      { month: '2025-11', received: 7, claimedOnTime: 4, claimedLate: 2, unclaimedPastDeadline: 1, feedbackOnTime: 3, feedbackLate: 1, claimOnTimeRate: 0.5714 },
    ]);
    expect(body.trend.slice(0, 10).every((p: { received: number }) => p.received === 0)).toBe(true);
    expect(body.overdue.map((o: { kind: string; applicantName: string; dueAt: string; departmentName: string; divisionName: string | null }) => [o.kind, o.applicantName, o.dueAt, o.departmentName, o.divisionName])).toEqual([
      ['claim', '灌南县好再来餐饮店', '2025-11-14T16:00:00.000Z', '市场监督管理局', '食品经营监管处'],
      ['feedback', '赣榆海产品加工厂', '2025-11-19T16:00:00.000Z', '市场监督管理局', '食品经营监管处'],
      ['decision', '海州区未决申请有限公司', '2025-11-20T16:00:00.000Z', '行政审批局', null],
      ['inspection', '连云区清泉游泳馆', '2025-11-29T16:00:00.000Z', '卫生健康委员会', '公共卫生处'],
      ['claim', '新浦区晨光面包房', '2025-12-03T16:00:00.000Z', '市场监督管理局', '食品经营监管处'],
    ]);
  });

  it('counts the divisions as /v1/stats/timeliness does (one implementation)', async () => {
    const stats = (await get(`/v1/stats/timeliness?from=2025-11-01&to=2025-11-30&departmentCode=${r.sjj}`, tokens.operator)).json().rows;
    const report = (await get(url(), tokens.operator)).json();
    for (const row of stats) {
      const division = report.departments.find((d: { code: string }) => d.code === row.departmentCode).divisions.find((v: { code: string }) => v.code === row.divisionCode);
      const { departmentCode: _d, divisionCode: _v, ...figures } = row;
      expect(division).toMatchObject(figures);
    }
    expect(stats).toHaveLength(2);
  });

  it('a kept month answers the kept report, whose hash is that of its canonical JSON', async () => {
    const { db } = database();
    const region = { code: r.region, name: '报表测试市' };
    const asOf = new Date(Date.now() - 60_000);
    const first = await keepReport(db, await monthlyReport(db, region, '2025-11', asOf), asOf);
    expect(first.created).toBe(true);
    // A second production (a retry) keeps the first.
    const again = await keepReport(db, await monthlyReport(db, region, '2025-11', new Date()), new Date());
    expect(again).toMatchObject({ created: false, row: { id: first.row.id, sha256: first.row.sha256 } });
    const body = (await get(url(), tokens.admin)).json();
    expect(body.kept).toEqual({ sha256: first.row.sha256, producedAt: asOf.toISOString() });
    expect(body.asOf).toBe(asOf.toISOString());
    const { kept: _k, ...report } = body as MonthlyReport & { kept: unknown };
    expect(reportHash(report)).toBe(first.row.sha256);
    expect(body).toMatchObject(expectedNovember(r));
  });

  it('is the operator’s and the region’s admin’s; bad input is refused with a reason', async () => {
    expect((await get(url(), tokens.admin)).statusCode).toBe(200);
    const other = await get(url(), tokens.otherAdmin);
    expect(other.statusCode).toBe(403);
    expect(other.json().detail).toMatch(/may read only its own region/);
    expect((await get(url(), tokens.supervision)).statusCode).toBe(403);
    expect((await get(`/v1/reports/monthly?region=NOPE-1&month=2025-11`, tokens.operator)).statusCode).toBe(404);
    expect((await get(`/v1/reports/monthly?region=${r.region}&month=2025-13`, tokens.operator)).statusCode).toBe(400);
    expect((await get(`/v1/reports/monthly?region=${r.region}&month=2099-01`, tokens.operator)).statusCode).toBe(422);
    expect((await get(url(), tokens.operator, 'image/png')).statusCode).toBe(406);
  });

  it('is in the OpenAPI document as getMonthlyReport, with its media types and refusals', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const op = doc.paths['/v1/reports/monthly'].get;
    expect(op).toMatchObject({ operationId: 'getMonthlyReport', tags: ['statistics'] });
    expect(Object.keys(op.responses).sort()).toEqual(['200', '400', '401', '403', '404', '406', '422', '503']);
    expect(Object.keys(op.responses['200'].content).sort()).toEqual(['application/json', 'application/pdf', 'text/html']);
    for (const status of ['403', '404', '422']) expect(Object.keys(op.responses[status].content), status).toEqual(['application/problem+json']);
  });

  it('negotiates by Accept: JSON by default, q-values respected', () => {
    expect(negotiate(undefined)).toBe('application/json');
    expect(negotiate('*/*')).toBe('application/json');
    expect(negotiate('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe('text/html');
    expect(negotiate('application/pdf')).toBe('application/pdf');
    expect(negotiate('text/html;q=0.5, application/pdf')).toBe('application/pdf');
    expect(negotiate('image/png')).toBeNull();
  });
});

describe('the monthly 通报 as a page and a PDF', () => {
  it('opened in a headless browser, shows the three charts and the Chinese names', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const context = await browser.newContext({ viewport: { width: 1000, height: 1400 }, extraHTTPHeaders: { authorization: `Bearer ${tokens.operator}` } });
    const page = await context.newPage();
    const res = await page.goto(`http://127.0.0.1:${address.port}${url()}`);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.title()).toContain('报表测试市');
    for (const id of ['chart-departments', 'chart-ranking', 'chart-trend']) {
      const svg = page.locator(`#${id} svg`);
      expect(await svg.count(), id).toBe(1);
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(100);
    }
    // The chart texts are the departments' Chinese names, drawn into the SVG.
    expect(await page.locator('#chart-departments svg text', { hasText: '市场监督管理局' }).count()).toBeGreaterThan(0);
    expect(await page.locator('#chart-ranking svg text', { hasText: '卫生健康委员会' }).count()).toBeGreaterThan(0);
    const text = await page.locator('body').innerText();
    for (const name of ['食品经营监管处', '特种设备安全监察处', '公共卫生处', '灌南县好再来餐饮店', '海州区未决申请有限公司', '超期未办结事项']) expect(text).toContain(name);
    // A CJK font is what the page is set in (fonts-wqy-zenhei here).
    expect(await page.evaluate<string>('getComputedStyle(document.body).fontFamily')).toMatch(/^"?WenQuanYi Zen Hei/);
    expect(await page.evaluate<boolean>(`document.fonts.check('16px "WenQuanYi Zen Hei"', '市场监督管理局')`)).toBe(true);
    await page.screenshot({ path: path.join(outDir, 'monthly-report.png'), fullPage: true });
    await context.close();
  });

  it('as a PDF: three A4 pages, with the summary and charts, the tables, and the overdue cases', async () => {
    const res = await get(url(), tokens.operator, 'application/pdf');
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const file = path.join(outDir, 'monthly-report.pdf');
    await writeFile(file, res.rawPayload);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Pages:\s+3\n/);
    expect(info).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
    const pageText = (n: number) => execFileSync('pdftotext', ['-f', String(n), '-l', String(n), '-layout', file, '-'], { encoding: 'utf8' });
    const [one, two, three] = [pageText(1), pageText(2), pageText(3)];
    expect(one).toContain('报表测试市“审管联动”系统运行情况通报');
    expect(one).toContain('2025年11月');
    expect(one).toMatch(/本月共推送监管任务 7 件，按时认领 4 件/);
    expect(one).toContain('市场监督管理局'); // drawn in the chart's SVG, kept as text in the PDF
    expect(two).toContain('近十二个月趋势');
    expect(two).toContain('食品经营监管处');
    expect(two).toContain('特种设备安全监察处');
    expect(three).toContain('超期未办结事项');
    expect(three).toContain('灌南县好再来餐饮店');
    expect(three).toContain('海州区未决申请有限公司');
  });

  it('without a browser: a PDF request is 503 with the reason; the page still answers', async () => {
    const config2 = testConfig();
    const noBrowser = await buildApp({ config: config2, database: database(), temporal: testClient(connection), verifier: await createVerifier(config2), pdf: chromiumPrinter('/nonexistent/chromium') });
    try {
      const res = await noBrowser.inject({ method: 'GET', url: url(), headers: { authorization: `Bearer ${tokens.operator}`, accept: 'application/pdf' } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ type: 'urn:shenguan:problem:pdf-unavailable', detail: expect.stringMatching(/\/nonexistent\/chromium is not installed.*CHROMIUM_PATH/) });
      expect((await noBrowser.inject({ method: 'GET', url: url(), headers: { authorization: `Bearer ${tokens.operator}`, accept: 'text/html' } })).statusCode).toBe(200);
    } finally {
      await noBrowser.close();
    }
  });
});
