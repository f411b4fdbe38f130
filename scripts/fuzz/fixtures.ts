/**
 * Real objects for the fuzzer to hit. Random path parameters almost never name an existing
 * case, task or linkage, so without these every GET /v1/applications/{applicationNo} is a 404
 * and the code behind it (and its 200 response schema) is never exercised. Built through the
 * API itself, like a caller would, before schemathesis starts; scripts/fuzz/hooks.py then
 * substitutes these values for generated ones about half of the time.
 */
import { DEMO } from '../seed.js';
import { apiRequest, sleep } from '../stack/proc.js';

export interface Fixtures {
  /** Known values by parameter / field name (path, query, header and body alike). */
  values: Record<string, Array<string | number>>;
  /** What could not be built (the run goes on; these are worth a look). */
  problems: string[];
}

type Tokens = { approval: string; supervision: string; operator: string };

/** A caller of the API that notes what did not work instead of failing. */
function client(base: string, problems: string[]) {
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const r = await apiRequest(base + path, token, method, body, 30_000);
    return { status: r.status, json: r.json ?? r.text };
  };
  /** Calls until the answer is 2xx (409 may mean "not yet": the workflow is still busy). */
  const must = async (what: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> => {
    for (let i = 0; ; i++) {
      const r = await call(token, method, path, body);
      if (r.status < 300) return r.json;
      if (r.status !== 409 || i >= 40) {
        problems.push(`${what}: ${method} ${path} answered ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
        return undefined;
      }
      await sleep(250);
    }
  };
  return { call, must };
}

/**
 * Cases in different stages: approved with a task awaiting claim, claimed and inspected,
 * undecided, rejected, unrouted (no linkage), supervised by two departments, commitment.
 * Answers their application numbers and the tasks the approvals pushed.
 */
async function cases(api: ReturnType<typeof client>, tokens: Tokens, problems: string[]): Promise<{ applicationNos: string[]; taskIds: string[] }> {
  const plan: Array<[string, string, Record<string, unknown>, 'approve' | 'reject' | null]> = [
    [`${DEMO.approvalDepartment}-FUZZ-0001`, 'SP-FOOD-01', {}, 'approve'],
    [`${DEMO.approvalDepartment}-FUZZ-0002`, 'SP-FOOD-01', {}, 'approve'],
    [`${DEMO.approvalDepartment}-FUZZ-0003`, 'SP-FOOD-01', {}, null],
    [`${DEMO.approvalDepartment}-FUZZ-0004`, 'SP-PUBHEALTH-01', {}, 'reject'],
    [`${DEMO.approvalDepartment}-FUZZ-0005`, 'SP-ROAD-01', {}, 'approve'],
    [`${DEMO.approvalDepartment}-FUZZ-0006`, 'SP-CATERING-01', {}, 'approve'],
    [`${DEMO.approvalDepartment}-FUZZ-0007`, 'SP-MEDDEV-01', { route: 'commitment', commitment: { scenario: 'deferred-materials', deferredMaterials: ['质量管理制度'] } }, null],
  ];
  const applicationNos: string[] = [];
  const applicant = { creditCode: DEMO.applicants.good, name: '连云港模糊测试商店', phone: '13700000009' };
  await Promise.all(
    plan.map(async ([no, itemCode, extra, outcome]) => {
      const submitted = await api.must(`submit ${no}`, tokens.approval, 'POST', '/v1/applications', { applicationNo: no, itemCode, applicant, materials: ['申请书', '营业执照复印件'], ...extra });
      if (submitted === undefined) return;
      applicationNos.push(no);
      if (outcome) await api.must(`decide ${no}`, tokens.approval, 'POST', `/v1/applications/${no}/decision`, { outcome, opinion: '模糊测试夹具' });
    }),
  );
  // The workflows create the tasks a moment after the approval.
  let taskIds: string[] = [];
  for (let i = 0; i < 60 && taskIds.length < 3; i++, await sleep(250)) {
    const r = await api.call(tokens.operator, 'GET', '/v1/tasks?limit=200');
    taskIds = ((r.json as { items?: Array<{ taskId: string }> }).items ?? []).map((t) => t.taskId);
  }
  if (taskIds.length < 3) problems.push(`expected 3 tasks from the approved fixture cases, found ${taskIds.length}`);
  const inspected = `task-${DEMO.approvalDepartment}-FUZZ-0002.${DEMO.market}`;
  if (taskIds.includes(inspected)) {
    await api.must('claim', tokens.supervision, 'POST', `/v1/tasks/${inspected}/claim`);
    await api.must('inspection', tokens.supervision, 'POST', `/v1/tasks/${inspected}/inspection`, { finishedAt: new Date().toISOString(), findings: '现场检查符合要求' });
  }
  return { applicationNos: applicationNos.sort(), taskIds };
}

export async function buildFixtures(base: string, tokens: Tokens, smsReceiptToken: string): Promise<Fixtures> {
  const problems: string[] = [];
  const api = client(base, problems);
  const { applicationNos, taskIds } = await cases(api, tokens, problems);
  // A proposed linkage next to the seeded confirmed ones.
  await api.must('propose linkage', tokens.approval, 'POST', '/v1/linkages', { approvalItemCode: 'SP-ROAD-01', supervisionDepartmentCode: DEMO.market });
  const linkages = (await api.call(tokens.operator, 'GET', '/v1/linkages')).json as { items?: Array<{ id: number }> };
  const notifications = (await api.call(tokens.operator, 'GET', '/v1/notifications?limit=50')).json as { items?: Array<{ businessKey?: string }> };
  return {
    problems,
    values: {
      applicationNo: applicationNos,
      taskId: taskIds,
      id: (linkages.items ?? []).map((l) => l.id),
      creditCode: [DEMO.applicants.good, DEMO.applicants.blacklisted],
      itemCode: ['SP-FOOD-01', 'SP-PUBHEALTH-01', 'SP-CATERING-01', 'SP-BUILD-01', 'SP-MEDDEV-01', 'SP-ROAD-01'],
      approvalItemCode: ['SP-FOOD-01', 'SP-ROAD-01', 'SP-CATERING-01'],
      supervisionItemCode: ['JG-FOOD-01', 'JG-PUBHEALTH-01', 'JG-MEDDEV-01'],
      supervisionDepartmentCode: [DEMO.market, DEMO.health, DEMO.housing],
      departmentCode: [DEMO.approvalDepartment, DEMO.market, DEMO.health],
      divisionCode: [DEMO.marketFoodDivision, DEMO.healthDivision],
      regionCode: [DEMO.region, DEMO.trainingRegion],
      year: [2025, 2026, 2027],
      outId: (notifications.items ?? []).flatMap((n) => (n.businessKey ? [n.businessKey] : [])).slice(0, 20),
      'x-receipt-token': [smsReceiptToken],
    },
  };
}
