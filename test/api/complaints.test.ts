// Complaints from the hotlines (issue #28 item 1): a 12345 ticket becomes a supervision task of
// the competent division, which claims it and replies; the reply goes back to the hotline once,
// even when its activity runs again; the complaint closes with its task. The same ticket again is
// the same complaint (200), another body under it 409, bad input 4xx with nothing kept; each
// caller sees only its own complaints; repeated complaints about one enterprise are linked and
// raise its risk on the portrait; the complainant's contact is kept masked and never reaches
// Temporal.
import { describe, expect, it } from 'vitest';
import { and, eq, sql } from 'drizzle-orm';
import type { Principal } from '../../api/auth.js';
import { createActivities } from '../../activities/index.js';
import { auditEvents, complaintReplies, complaints, hotlineReplies, tasks } from '../../db/schema/index.js';
import { complaintWorkflowId } from '../../workflows/contracts.js';
import { applicationNoOf, database, freshCreditCode, testConfig, testDeps, texts, uniqueId, waitForValue, DEMO } from '../helpers.js';
import { ok, withCallers } from './harness.js';

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueId('complaints-tq') });

const people = {
  hotline: { sub: 'hotline:12345-320700', role: 'hotline', hotline: '12345', region: DEMO.region },
  consumer: { sub: 'hotline:12315-320700', role: 'hotline', hotline: '12315', region: DEMO.region },
  elsewhere: { sub: 'hotline:12345-320100', role: 'hotline', hotline: '12345', region: '320100' },
  // The training region's coordinating office has no division to receive what no one is competent for.
  training: { sub: 'hotline:12345-training', role: 'hotline', hotline: '12345', region: DEMO.trainingRegion },
  food: { sub: 'supervision:lyg-sjj-spjy', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision },
  marketHead: { sub: 'supervision:lyg-sjj', role: 'supervision', department: DEMO.market },
  medical: { sub: 'supervision:lyg-sjj-ylqx', role: 'supervision', department: DEMO.market, division: 'LYG-SJJ-YLQX' },
  health: { sub: 'supervision:lyg-wjw-ggws', role: 'supervision', department: DEMO.health, division: DEMO.healthDivision },
  office: { sub: 'supervision:lyg-zwb-dbc', role: 'supervision', department: DEMO.coordinatingOffice, division: DEMO.coordinatingDivision },
  admin: { sub: 'regional-admin:320700', role: 'regional-admin', region: DEMO.region },
  approver: { sub: 'approval:lyg-spj', role: 'approval', department: DEMO.approvalDepartment },
  operator: { sub: 'ops', role: 'operator' },
} satisfies Record<string, Principal>;
const { call, harness } = withCallers(config, people);

const PHONE = '13700000009';
const ticket = (extra: Record<string, unknown> = {}) => ({
  source: '12345',
  ticketId: uniqueId('GD').replace(/-/g, ''),
  enterprise: { creditCode: freshCreditCode(), name: '连云港投诉测试食品店' },
  matter: `反映该店销售过期食品，联系人电话${PHONE}`,
  itemCode: 'SP-FOOD-01',
  complainant: { name: '张三丰', phone: PHONE },
  ...extra,
});
const trail = (complaintNo: string) => database().db.select().from(auditEvents).where(eq(auditEvents.applicationNo, complaintNo));
const kinds = async (complaintNo: string) => (await trail(complaintNo)).map((e) => e.kind);
const taskPushed = (taskId: string) => waitForValue(`task ${taskId} pushed`, async () => (await database().db.select().from(tasks).where(eq(tasks.taskId, taskId))).length === 1);
const rowOf = async (complaintNo: string) => (await database().db.select().from(complaints).where(eq(complaints.complaintNo, complaintNo)))[0];

describe('a complaint from the 12345 hotline', () => {
  it('is routed by the item to the food division as a task, claimed, replied to, the reply sent to the hotline once, and closed with its task', async () => {
    const body = ticket();
    const c = await ok(await call('POST', '/v1/complaints', 'hotline', body), 201);
    const no = `C12345-${body.ticketId}`;
    const taskId = `task-${no}.${DEMO.market}`;
    expect(c).toMatchObject({ complaintNo: no, source: '12345', status: 'assigned', routedTo: { by: 'item', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision }, taskId, complainant: { name: '张**', phone: '137****0009' }, repeatOf: null, earlierComplaints: 0 });
    expect(Date.parse(c.replyDueAt)).toBeGreaterThan(Date.now());

    // A supervision task of origin complaint, in the division's inbox, with no case behind it (a moment after the answer, as a push's).
    await taskPushed(taskId);
    const inbox = await ok(await call('GET', `/v1/tasks?creditCode=${body.enterprise.creditCode}`, 'food'));
    expect(inbox.items).toHaveLength(1);
    expect(inbox.items[0]).toMatchObject({ taskId, origin: 'complaint', originNo: no, applicationNo: null, itemCode: null, applicantName: body.enterprise.name, status: 'awaiting-claim' });
    expect(inbox.items[0].itemName).toMatch(/^12345投诉：反映该店销售过期食品/);
    const task = await ok(await call('GET', `/v1/tasks/${taskId}`, 'food'));
    expect(task.dossier).toBeNull();
    expect(task.history[0]).toMatchObject({ kind: 'task-pushed', summary: expect.stringMatching(new RegExp(`^complaint ${no} assigned to ${DEMO.market} / ${DEMO.marketFoodDivision}; claim due`)) });

    // Replied to only once claimed (认领, then 答复).
    const early = await call('POST', `/v1/complaints/${no}/reply`, 'food', { outcome: 'substantiated', text: '已责令整改' });
    expect(early.statusCode, early.body).toBe(409);
    await ok(await call('POST', `/v1/tasks/${taskId}/claim`, 'food'));
    // Another division of the department may not reply for it.
    expect((await call('POST', `/v1/complaints/${no}/reply`, 'medical', { outcome: 'substantiated', text: '已责令整改' })).statusCode).toBe(403);
    const replied = await ok(await call('POST', `/v1/complaints/${no}/reply`, 'food', { outcome: 'substantiated', text: '经现场检查属实，已责令下架并立案调查' }));
    expect(replied).toMatchObject({ status: 'replied', reply: { outcome: 'substantiated', repliedBy: { sub: people.food.sub } } });
    const twice = await call('POST', `/v1/complaints/${no}/reply`, 'food', { outcome: 'unsubstantiated', text: '再次答复' });
    expect(twice.statusCode, twice.body).toBe(409);

    // The reply reaches the hotline once.
    await waitForValue('reply sent', async () => (await rowOf(no))?.replySentAt);
    const atHotline = await database().db.select().from(hotlineReplies).where(eq(hotlineReplies.businessKey, `${no}:reply`));
    expect(atHotline).toHaveLength(1);
    expect(atHotline[0]).toMatchObject({ source: '12345', ticketId: body.ticketId, payload: { outcome: 'substantiated', department: DEMO.market } });

    // A retried send (the activity again, and again after a crash before it marked the row sent) sends nothing new.
    const acts = createActivities(testDeps(database()));
    expect(await acts.sendComplaintReply({ complaintNo: no })).toMatchObject({ businessKey: `${no}:reply`, resent: false });
    await database().db.update(complaintReplies).set({ status: 'pending' }).where(eq(complaintReplies.businessKey, `${no}:reply`));
    expect(await acts.sendComplaintReply({ complaintNo: no })).toMatchObject({ resent: false });
    expect(await database().db.select().from(hotlineReplies).where(eq(hotlineReplies.businessKey, `${no}:reply`))).toHaveLength(1);
    expect((await trail(no)).filter((e) => e.kind === 'reply-sent')).toHaveLength(1);

    // The task runs its course; the complaint closes with it.
    await ok(await call('POST', `/v1/tasks/${taskId}/inspection`, 'food', { finishedAt: new Date(Date.now() - 60_000).toISOString(), findings: '现场检查：过期食品已下架' }));
    await ok(await call('POST', `/v1/tasks/${taskId}/feedback`, 'food', { result: 'compliant', note: '已整改' }));
    await waitForValue('complaint closed', async () => (await rowOf(no))?.status === 'closed');
    const detail = await ok(await call('GET', `/v1/complaints/${no}`, 'food'));
    expect(detail).toMatchObject({ status: 'closed', taskOutcome: 'compliant', replyOverdue: false });
    expect(detail.history.map((e: { kind: string }) => e.kind)).toEqual(expect.arrayContaining(['complaint-received', 'task-pushed', 'task-claimed', 'complaint-replied', 'reply-sent', 'feedback', 'complaint-closed']));
    const [chain] = await database().db.execute<{ broken: string | null }>(sql`select audit_chain_break(${no}) as broken`);
    expect(chain!.broken).toBeNull();

    // The complainant's phone and name never reach the trail, the row or Temporal.
    const stored = JSON.stringify([await rowOf(no), await trail(no)]);
    expect(stored).not.toContain('张三丰');
    expect(stored.replace(body.matter, '')).not.toContain(PHONE);
    for (const id of [complaintWorkflowId(no), taskId]) {
      const history = texts(await harness().client.workflow.getHandle(id).fetchHistory()).join('\n');
      expect(history).not.toContain(PHONE);
      expect(history).not.toContain('张三丰');
    }
  });

  it('is the same complaint when the ticket comes again (200), and 409 under another body', async () => {
    const body = ticket();
    const first = await ok(await call('POST', '/v1/complaints', 'hotline', body), 201);
    const again = await ok(await call('POST', '/v1/complaints', 'hotline', body), 200);
    expect(again).toEqual(first);
    const other = await call('POST', '/v1/complaints', 'hotline', { ...body, matter: '另一件事' });
    expect(other.statusCode, other.body).toBe(409);
    expect(other.json().detail).toMatch(/already received with a different body/);
    await taskPushed(first.taskId);
    expect(await database().db.select().from(tasks).where(eq(tasks.originNo, first.complaintNo))).toHaveLength(1);
    expect((await kinds(first.complaintNo)).filter((k) => k === 'complaint-received')).toHaveLength(1);
  });

  it('refuses bad input with a 4xx and keeps nothing', async () => {
    const code = freshCreditCode();
    const wrongDigit = `${code.slice(0, 17)}${code[17] === '0' ? '1' : '0'}`;
    const bad: Array<[Record<string, unknown>, number]> = [
      [ticket({ enterprise: { creditCode: wrongDigit, name: '某店' } }), 400],
      [ticket({ enterprise: {} }), 400],
      [ticket({ matter: '' }), 400],
      [ticket({ source: '110' }), 400],
      [ticket({ ticketId: 'GD.1' }), 400],
      [ticket({ extra: 1 }), 400],
      [ticket({ complainant: { phone: 'call me' } }), 400],
      [ticket({ itemCode: 'NO-SUCH-ITEM' }), 422],
      [ticket({ source: '12315' }), 403],
    ];
    for (const [body, status] of bad) {
      const r = await call('POST', '/v1/complaints', 'hotline', body);
      expect(r.statusCode, `${JSON.stringify(body)} → ${r.body}`).toBe(status);
      expect(r.headers['content-type']).toMatch(/problem\+json/);
      if (typeof body.ticketId === 'string') expect(await rowOf(`C${String(body.source)}-${body.ticketId}`)).toBeUndefined();
    }
    // Not a hotline's to file.
    expect((await call('POST', '/v1/complaints', 'food', ticket())).statusCode).toBe(403);
    // No one to route to: 422 and nothing kept — and the ticket may come again once the catalog has someone.
    const lost = ticket({ itemCode: undefined });
    for (let i = 0; i < 2; i++) {
      const r = await call('POST', '/v1/complaints', 'training', lost);
      expect(r.statusCode, r.body).toBe(422);
      expect(r.json().detail).toMatch(/no department is competent/);
    }
    expect(await rowOf(`C12345-${lost.ticketId}`)).toBeUndefined();
  });

  it("without an item goes to the department that supervises the enterprise's licence, named by its code or its name", async () => {
    const creditCode = freshCreditCode();
    const applicationNo = applicationNoOf('CMP');
    await ok(await call('POST', '/v1/applications', 'approver', { applicationNo, itemCode: 'SP-PUBHEALTH-01', applicant: { creditCode, name: '投诉路由测试浴室', phone: '13700000051' }, materials: ['卫生许可申请书', '卫生检测报告'] }), 201);
    await ok(await call('POST', `/v1/applications/${applicationNo}/decision`, 'approver', { outcome: 'approve', opinion: '准予许可' }));
    await waitForValue('case supervising', async () => (await ok(await call('GET', `/v1/applications/${applicationNo}`, 'approver'))).stage === 'supervising');
    const byCode = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ itemCode: undefined, enterprise: { creditCode } })), 201);
    expect(byCode).toMatchObject({ routedTo: { by: 'enterprise', departmentCode: DEMO.health, divisionCode: DEMO.healthDivision }, enterprise: { creditCode, name: '投诉路由测试浴室' } });
    const byName = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ itemCode: undefined, enterprise: { name: '投诉路由测试浴室' } })), 201);
    expect(byName).toMatchObject({ routedTo: { by: 'enterprise', departmentCode: DEMO.health }, enterprise: { creditCode }, repeatOf: byCode.complaintNo });
  });

  it('posted twice at once is one complaint and one task', async () => {
    const body = ticket();
    const answers = await Promise.all([call('POST', '/v1/complaints', 'hotline', body), call('POST', '/v1/complaints', 'hotline', body)]);
    expect(answers.map((a) => a.statusCode).every((s) => s === 200 || s === 201), answers.map((a) => a.body).join('\n')).toBe(true);
    expect(answers[0]!.json().complaintNo).toBe(answers[1]!.json().complaintNo);
    await taskPushed(answers[0]!.json().taskId);
    expect(await database().db.select().from(tasks).where(eq(tasks.originNo, answers[0]!.json().complaintNo))).toHaveLength(1);
    expect((await kinds(answers[0]!.json().complaintNo)).filter((k) => k === 'complaint-received')).toHaveLength(1);
  });

  it('goes to the coordinating office when no department is competent', async () => {
    const unlinked = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ itemCode: 'SP-ROAD-01' })), 201);
    expect(unlinked.routedTo).toEqual({ by: 'coordinating-office', departmentCode: DEMO.coordinatingOffice, divisionCode: DEMO.coordinatingDivision });
    const unknown = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ itemCode: undefined, enterprise: { name: uniqueId('无名商户') } })), 201);
    expect(unknown).toMatchObject({ routedTo: { by: 'coordinating-office' }, enterprise: { creditCode: null } });
    await taskPushed(unlinked.taskId);
    await taskPushed(unknown.taskId);
    const inbox = await ok(await call('GET', '/v1/tasks?limit=200', 'office'));
    expect(inbox.items.map((t: { taskId: string }) => t.taskId)).toEqual(expect.arrayContaining([unlinked.taskId, unknown.taskId]));
  });

  it('is forwarded (转办) by the coordinating office to the competent department: access moves with it, the reply deadline stays, bad forwards change nothing', async () => {
    const c = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ itemCode: 'SP-ROAD-01' })), 201);
    expect(c.routedTo.by).toBe('coordinating-office');
    const url = `/v1/complaints/${c.complaintNo}/forward`;
    const to = { departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, reason: '涉及食品经营，属市场监管局职责' };
    // Bad input: 400 (schema), 403 (not its holder), 422 (not in the catalog), 404 (no such complaint); nothing moves.
    expect((await call('POST', url, 'office', { ...to, extra: 1 })).statusCode).toBe(400);
    expect((await call('POST', url, 'office', { ...to, reason: '' })).statusCode).toBe(400);
    expect((await call('POST', url, 'food', to)).statusCode).toBe(403);
    const unknown = await call('POST', url, 'office', { ...to, divisionCode: 'LYG-WJW-GGWS' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await call('POST', `/v1/complaints/C12345-${uniqueId('NOPE').replace(/-/g, '')}/forward`, 'office', to)).statusCode).toBe(404);
    expect(await rowOf(c.complaintNo)).toMatchObject({ departmentCode: DEMO.coordinatingOffice, forwards: [] });

    const moved = await ok(await call('POST', url, 'office', to));
    expect(moved).toMatchObject({ status: 'assigned', routedTo: { by: 'coordinating-office', departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision }, taskId: `task-${c.complaintNo}.${DEMO.market}`, replyDueAt: c.replyDueAt });
    expect(moved.forwards).toEqual([{ from: { departmentCode: DEMO.coordinatingOffice, divisionCode: DEMO.coordinatingDivision, taskId: c.taskId }, to: { departmentCode: DEMO.market, divisionCode: DEMO.marketFoodDivision, taskId: moved.taskId }, reason: to.reason, by: expect.objectContaining({ sub: people.office.sub }), at: expect.any(String) }]);
    // The office no longer sees it (nor forwards it again); the food division does, and replies once it claimed the new task.
    expect((await call('GET', `/v1/complaints/${c.complaintNo}`, 'office')).statusCode).toBe(403);
    expect((await call('POST', url, 'office', to)).statusCode).toBe(403);
    const seen = await ok(await call('GET', `/v1/complaints/${c.complaintNo}`, 'food'));
    expect(seen.history.map((e: { kind: string }) => e.kind)).toContain('complaint-forwarded');
    await taskPushed(moved.taskId);
    await ok(await call('POST', `/v1/tasks/${moved.taskId}/claim`, 'food'));
    await ok(await call('POST', `/v1/complaints/${c.complaintNo}/reply`, 'food', { outcome: 'substantiated', text: '已责令整改' }));
    expect((await call('POST', url, 'food', { departmentCode: DEMO.health, reason: '答复后转办' })).statusCode).toBe(409);
    await waitForValue('the office task closed as transferred', async () => (await database().db.select().from(tasks).where(and(eq(tasks.taskId, c.taskId), eq(tasks.outcome, 'transferred')))).length === 1);
  });

  it('links repeated complaints about one enterprise and raises its risk on the portrait', async () => {
    const enterprise = { creditCode: freshCreditCode(), name: '重复投诉测试商店' };
    const first = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ enterprise })), 201);
    const second = await ok(await call('POST', '/v1/complaints', 'consumer', ticket({ source: '12315', enterprise })), 201);
    const third = await ok(await call('POST', '/v1/complaints', 'hotline', ticket({ enterprise: { creditCode: enterprise.creditCode } })), 201);
    expect(first).toMatchObject({ repeatOf: null, earlierComplaints: 0 });
    expect(second).toMatchObject({ repeatOf: first.complaintNo, earlierComplaints: 1 });
    // Named by its code only (no case of ours knows its name): linked by the code.
    expect(third).toMatchObject({ repeatOf: first.complaintNo, earlierComplaints: 2 });
    expect((await kinds(first.complaintNo)).filter((k) => k === 'complaint-repeat')).toHaveLength(2);
    expect(await kinds(third.complaintNo)).toContain('complaint-repeat');
    const portrait = await ok(await call('GET', `/v1/applicants/${enterprise.creditCode}`, 'operator'));
    expect(portrait.complaints).toMatchObject({ lastYear: 3, risk: 'high' });
    expect(portrait.complaints.items.map((c: { complaintNo: string }) => c.complaintNo).sort()).toEqual([first.complaintNo, second.complaintNo, third.complaintNo].sort());
    expect(portrait.tasks.every((t: { origin: string }) => t.origin === 'complaint')).toBe(true);
    // The division with a task of it sees the portrait too.
    expect((await ok(await call('GET', `/v1/applicants/${enterprise.creditCode}`, 'food'))).complaints.risk).toBe('high');
  });

  it('is seen by its division, its department head, its region and its hotline only', async () => {
    const c = await ok(await call('POST', '/v1/complaints', 'hotline', ticket()), 201);
    const url = `/v1/complaints/${c.complaintNo}`;
    const expected: Array<[keyof typeof people, number]> = [
      ['food', 200], ['marketHead', 200], ['admin', 200], ['hotline', 200], ['operator', 200],
      ['medical', 403], ['health', 403], ['office', 403], ['consumer', 403], ['elsewhere', 403], ['approver', 403],
    ];
    for (const [who, status] of expected) expect((await call('GET', url, who)).statusCode, who).toBe(status);
    const listed = async (who: keyof typeof people) => (await ok(await call('GET', '/v1/complaints?limit=200', who))).items.some((x: { complaintNo: string }) => x.complaintNo === c.complaintNo);
    expect(await listed('food')).toBe(true);
    expect(await listed('admin')).toBe(true);
    expect(await listed('hotline')).toBe(true);
    expect(await listed('health')).toBe(false);
    expect(await listed('consumer')).toBe(false);
    expect(await listed('elsewhere')).toBe(false);
    expect((await call('GET', '/v1/complaints', 'approver')).statusCode).toBe(403);
    expect((await call('GET', '/v1/complaints/C12345-NOPE', 'operator')).statusCode).toBe(404);
    expect((await call('GET', '/v1/complaints/not-a-number', 'operator')).statusCode).toBe(400);
    // A task read is scoped by the task's own division, whatever its origin (once the task is
    // pushed: before, there is nothing to read and the answer is 404).
    await taskPushed(c.taskId);
    expect((await call('GET', `/v1/tasks/${c.taskId}`, 'health')).statusCode).toBe(403);
    expect((await database().db.select().from(tasks).where(and(eq(tasks.taskId, c.taskId), eq(tasks.origin, 'complaint'))))).toHaveLength(1);
  });
});
