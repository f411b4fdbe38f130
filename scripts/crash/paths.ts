// The routes the crash driver takes a case along, each a small state machine over the case as
// GET /v1/applications/<no> shows it (the read model), and what each route must leave behind:
//
//   compliant   TR-FOOD-01 (supervised by TR-SJJ), standard route: submit, approve, claim,
//               inspection, feedback compliant → case closed;
//   revocation  TR-BUILD-01 (supervised by TR-ZJJ), 告知承诺 with post-verification (事后核查):
//               submit with the commitment, approve (licence at once), claim, inspection,
//               feedback commitment-untrue with a rectification deadline a few seconds on,
//               re-inspection once due: not rectified → case revocation-pending → the approval
//               department revokes → case revoked and closed, the broken commitment (失信) on
//               the credit platform, the linked department told (联动告知).
//
// The rectification deadline is the inspector's to set (API.md: feedback `rectificationDeadline`),
// so the path needs no shortened policy; every other window is the rehearsal policy's minutes.
// Every k-th case, offset by the seed, takes the revocation path.
import { taskId } from '../../workflows/contracts/common.js';
import { revocationNoticeId } from '../../workflows/contracts/notice.js';
import { DEMO } from '../seed.js';

export type PathName = 'compliant' | 'revocation';
export const PATH_NAMES: readonly PathName[] = ['compliant', 'revocation'];
export type Step = 'submitted' | 'decided' | 'claimed' | 'inspected' | 'fed-back' | 'reinspection-due' | 'reinspected' | 'revocation-pending' | 'revoked' | 'closed';

/**
 * How far ahead the inspector sets the rectification deadline, from each attempt of the request:
 * far enough that the workflow's validator still finds it ahead when a kill held the update up
 * (a workflow task on a killed worker times out after 10 s), near enough for a short run.
 */
export const RECTIFICATION_MS = 20_000;

/** The case as the driver reads it. */
export type CaseView = { stage: string; route: string | null; decision: string | null; closedAt: string | null; tasks: Array<{ taskId: string; status: string; outcome: string | null }> };

/** A request of a step: `as` the case's approver or its path's inspector; the body is built per attempt (a deadline stays ahead). */
export type Request = { what: string; path: string; as: 'approver' | 'inspector'; body?: () => unknown };
/** The steps seen done, and then: nothing more (the case ended as its path expects), wait for the workflow, or a request. */
export type Move = { done: Step[]; next: 'finished' | 'wait' | Request };

/** What a case that went the whole path must have: each SMS and credit record once, its audit kinds so many times, its final state. */
export interface Expected {
  sms: string[];
  credit: Array<{ key: string; kind: string }>;
  audit: Record<string, number>;
  brokenCommitments: number;
  state: { licenceStatus: string; commitmentOutcome: string | null; taskOutcome: string; taskResult: string };
}

export interface PathSpec {
  item: string;
  department: string;
  division: string;
  route: 'standard' | 'commitment';
  /** The stage the case ends in, closed (closedAt set). */
  final: 'closed' | 'revoked';
  steps: readonly Step[];
  submission(applicationNo: string, creditCode: string): Record<string, unknown>;
  taskMove(status: string, v: CaseView, r: Requests): Move;
  expected(applicationNo: string, taskId: string): Expected;
}

/** The audit kinds every case has exactly once, whichever its path. */
const COMMON_AUDIT = ['submitted', 'credit-checked', 'routed', 'approved', 'pushed', 'task-pushed', 'task-claimed', 'inspection-finished', 'feedback', 'result-received', 'case-closed'];
const once = (kinds: string[]) => Object.fromEntries(kinds.map((k) => [k, 1]));

/** The requests of one case's steps. */
export function requests(applicationNo: string, task: string) {
  const [caseUrl, taskUrl] = [`/v1/applications/${applicationNo}`, `/v1/tasks/${task}`];
  const inspector = (what: string, body?: () => unknown): Request => ({ what, path: `${taskUrl}/${what}`, as: 'inspector', body });
  return {
    decision: { what: 'decision', path: `${caseUrl}/decision`, as: 'approver', body: () => ({ outcome: 'approve', opinion: '演练：材料齐全，准予许可' }) } as Request,
    revocation: { what: 'revocation', path: `${caseUrl}/revocation`, as: 'approver', body: () => ({ reason: '演练：承诺不实且逾期未整改，依法撤销' }) } as Request,
    claim: inspector('claim'),
    inspection: (findings: string) => inspector('inspection', () => ({ finishedAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), findings })),
    feedback: (body: () => unknown) => inspector('feedback', body),
    reinspection: (body: () => unknown) => inspector('reinspection', body),
  };
}
export type Requests = ReturnType<typeof requests>;

const unexpectedStatus = (status: string, path: PathName): never => {
  throw new Error(`task reached status ${status}, not on the ${path} path`);
};

/** Claim, inspection, feedback: the first steps on the task, the same on both paths but for the feedback. */
function firstTaskSteps(status: string, r: Requests, findings: string, feedback: () => unknown): Move | undefined {
  if (status === 'awaiting-claim') return { done: [], next: r.claim };
  if (status === 'claimed') return { done: ['claimed'], next: r.inspection(findings) };
  if (status === 'awaiting-feedback') return { done: ['claimed', 'inspected'], next: r.feedback(feedback) };
  return undefined;
}

const COMPLIANT: PathSpec = {
  item: 'TR-FOOD-01',
  department: DEMO.training.market,
  division: DEMO.training.marketFoodDivision,
  route: 'standard',
  final: 'closed',
  steps: ['submitted', 'decided', 'claimed', 'inspected', 'fed-back', 'closed'],
  submission: (applicationNo, creditCode) => ({ applicationNo, itemCode: 'TR-FOOD-01', applicant: { creditCode, name: '连云港演练食品店', phone: '13700000002' }, materials: ['食品经营许可申请书'] }),
  taskMove(status, v, r) {
    const first = firstTaskSteps(status, r, '现场检查，经营场所与许可一致', () => ({ result: 'compliant', note: '符合要求' }));
    if (first) return first;
    if (status !== 'closed') return unexpectedStatus(status, 'compliant');
    return { done: ['claimed', 'inspected', 'fed-back'], next: 'wait' }; // the case closes once the result is recorded and pushed
  },
  expected: (_no, task) => ({
    sms: [`${task}:claim-notice`],
    credit: [{ key: `${task}:credit:result`, kind: 'supervision-result' }],
    audit: { ...once(COMMON_AUDIT), 'credit-record': 1 },
    brokenCommitments: 0,
    state: { licenceStatus: 'issued', commitmentOutcome: null, taskOutcome: 'compliant', taskResult: 'compliant' },
  }),
};

/** After the feedback: the rectification deadline runs, the re-inspection, then the case's revocation. */
function revocationAfterFeedback(status: string, v: CaseView, r: Requests): Move {
  const fedBack: Step[] = ['claimed', 'inspected', 'fed-back'];
  if (status === 'rectifying') return { done: fedBack, next: 'wait' }; // until the deadline the inspector set
  if (status === 'awaiting-reinspection') return { done: [...fedBack, 'reinspection-due'], next: r.reinspection(() => ({ rectified: false, note: '演练：逾期仍未整改' })) };
  if (status !== 'closed') return unexpectedStatus(status, 'revocation');
  const reinspected: Step[] = [...fedBack, 'reinspection-due', 'reinspected'];
  if (v.stage === 'revocation-pending') return { done: [...reinspected, 'revocation-pending'], next: r.revocation };
  if (v.stage === 'revoked') return { done: [...reinspected, 'revocation-pending', 'revoked'], next: 'wait' }; // the case closes after the notices and the credit record
  return { done: reinspected, next: 'wait' }; // the case is receiving the request
}

const REVOCATION: PathSpec = {
  item: 'TR-BUILD-01',
  department: DEMO.training.housing,
  division: DEMO.training.housingDivision,
  route: 'commitment',
  final: 'revoked',
  steps: ['submitted', 'decided', 'claimed', 'inspected', 'fed-back', 'reinspection-due', 'reinspected', 'revocation-pending', 'revoked', 'closed'],
  // The applicant's name carries the case number: the rectification order is an SMS to the
  // applicant, and two alike on one phone would read as one message sent twice.
  submission: (applicationNo, creditCode) => ({
    ...{ applicationNo, itemCode: 'TR-BUILD-01', applicant: { creditCode, name: `演练建设有限公司${applicationNo}`, phone: '13700000021' }, materials: ['施工许可申请表'] },
    commitment: { scenario: 'post-verification', text: '本单位承诺已具备施工条件' },
  }),
  taskMove(status, v, r) {
    const untrue = () => ({ result: 'commitment-untrue', note: '演练：承诺内容与实际不符', rectificationDeadline: new Date(Date.now() + RECTIFICATION_MS).toISOString() });
    return firstTaskSteps(status, r, '现场核查：安全施工措施未落实', untrue) ?? revocationAfterFeedback(status, v, r);
  },
  expected: (no, task) => ({
    sms: [`${task}:claim-notice`, `${task}:rectification-order:1`, `${task}:reinspection-notice:1`, `${no}:revocation:${task}:notice`, `${revocationNoticeId(no, DEMO.training.housing)}:notice:0`],
    credit: [
      { key: `${task}:credit:result`, kind: 'supervision-result' },
      { key: `${no}:credit:broken-commitment`, kind: 'broken-commitment' },
    ],
    audit: { ...once([...COMMON_AUDIT, 'rectification-ordered', 'reinspection-due', 'reinspection', 'revocation-pending', 'licence-revoked']), 'credit-record': 2 },
    brokenCommitments: 1,
    state: { licenceStatus: 'revoked', commitmentOutcome: 'broken', taskOutcome: 'revocation-requested', taskResult: 'commitment-untrue' },
  }),
};

export const PATHS: Record<PathName, PathSpec> = { compliant: COMPLIANT, revocation: REVOCATION };

/** The default share of the revocation path: every fourth case. */
export const REVOCATION_EVERY = 4;

/** Case i (0-based) of a run: every `revocationEvery`-th takes the revocation path, offset by the seed (0: none does). */
export function pathOf(i: number, seed: number, revocationEvery: number): PathName {
  return revocationEvery > 0 && (i + seed) % revocationEvery === 0 ? 'revocation' : 'compliant';
}

export const taskIdOf = (applicationNo: string, path: PathName) => taskId(applicationNo, PATHS[path].department);

const ENDS = ['rejected', 'unrouted', 'revoked', 'closed'];

/** The next move on a case of `path`, read from its view: the steps of the case, then its task's. */
export function nextMove(c: { applicationNo: string; taskId: string; path: PathName }, v: CaseView): Move {
  const p = PATHS[c.path];
  if (v.stage === p.final && v.closedAt) return { done: [...p.steps], next: 'finished' };
  if (v.stage !== p.final && ENDS.includes(v.stage)) throw new Error(`case reached stage ${v.stage}, expected ${p.final} (${c.path} path)`);
  if (v.route && v.route !== p.route) throw new Error(`case took the ${v.route} route, expected ${p.route} (${c.path} path)`);
  const r = requests(c.applicationNo, c.taskId);
  if (!v.decision) return { done: ['submitted'], next: v.stage === 'awaiting-decision' ? r.decision : 'wait' }; // before: the workflow is registering the case
  const task = v.tasks.find((t) => t.taskId === c.taskId);
  if (!task) return { done: ['submitted', 'decided'], next: 'wait' }; // the push is under way
  const m = p.taskMove(task.status, v, r);
  return { done: ['submitted', 'decided', ...m.done], next: m.next };
}
