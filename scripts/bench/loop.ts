// npm run bench:loop [-- --quick] [-- --engine dev|cluster] [-- --cases N] [-- --rounds N] [-- --concurrency N]
// The whole standard route: N cases of TR-FOOD-01 (default 500, quick 30) through the real API
// (buildApp + inject) and worker in-process, 50 at a time: submit, decide, claim, inspection,
// feedback, closed. Then, in the same run, the bare workflows of the same shape (bare-workflows.ts)
// driven the same way with client.workflow calls, each side on a fresh server of the engine
// (`--engine`: dev, an empty SQLite file; cluster, the real server on emptied databases). Prints
// cases/s, p50/p99, round trips (WorkflowTaskCompleted + ActivityTaskCompleted in a sample's
// histories), history bytes and CPU per case by process and thread, ours' statements, the ratios.
import { createRequire } from 'node:module';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { temporal as protoNs } from '@temporalio/proto';
import { buildApp } from '../../api/app.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import { DEMO, demoCreditCode } from '../seed.js';
import { cpuSplit, perItem, type CpuSplit } from './cpu.js';
import { engineLabel, engineOf } from './engine.js';
import { argValue, connectTemporal, pct, sleep, timedPool, startBareWorker, startBenchStack, startOurWorker, type BenchStack } from './stack.js';
import { bareClaim, bareDecide, bareFeedback, bareInspection, bareSubmit, type Shape, type bareCase } from './bare-workflows.js';

const argv = process.argv.slice(2);
const engine = engineOf(argv);
const quick = argv.includes('--quick');
const N = argValue(argv, '--cases') ?? (quick ? 30 : 500);
const CONCURRENCY = argValue(argv, '--concurrency') ?? 50;
// Rounds of the pair, the order alternating: the machine drifts over minutes and the first side
// runs on a colder process, so one pair can be off by ±5 %; the median of rounds is not.
const ROUNDS = argValue(argv, '--rounds') ?? 1;
const SAMPLE = Math.min(N, 10);
// How often a driver looks for the supervision task, on both sides: both look for the row the
// task's first activity writes, with one SQL statement — the driver's synchronisation, not a
// step of the loop. 250 ms adds ~2 % to a case without making the polls a load of their own.
const POLL_MS = 250;

const proto = (createRequire(import.meta.url)('@temporalio/proto') as { temporal: typeof protoNs }).temporal;
const ET = proto.api.enums.v1.EventType;
type History = protoNs.api.history.v1.IHistory;
type HistoryEvent = protoNs.api.history.v1.IHistoryEvent;

let polls = 0;
async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  for (const t0 = Date.now(); ; await sleep(POLL_MS)) {
    polls++;
    if (await probe()) return;
    if (Date.now() - t0 > 60_000) throw new Error(`timed out waiting for ${what}`);
  }
}

/** A local activity's result in a history: a marker, run inside a workflow task (no round trip). */
const isLocal = (e: HistoryEvent) => e.eventType === ET.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity';
const count = (hs: History[], f: (e: HistoryEvent) => boolean) => hs.reduce((a, h) => a + (h.events ?? []).filter(f).length, 0);

/** Activities scheduled (or, with `local`, local activities run) in each phase, split at the named update acceptances / child events. */
function phases(h: History, marks: string[], local = false): number[] {
  const out = Array(marks.length + 1).fill(0) as number[];
  let seg = 0;
  for (const e of h.events ?? []) {
    const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    const key = update ? `update:${update}` : e.eventType === ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED ? 'child-start' : e.eventType === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED ? 'child-done' : '';
    const m = marks.indexOf(key, seg);
    if (m >= seg) seg = m + 1;
    if (local ? isLocal(e) : e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) out[seg]!++;
  }
  return out;
}

/** The bare workflows' shape: ours' activities per phase, from a case's and its task's histories. */
function shapeOf(parent: History, children: History[]): Shape {
  const [pre, mid, , post] = phases(parent, ['update:decide', 'child-start', 'child-done']);
  // A claim can overtake the push's second activity (the SMS); take the sample where it did not.
  const marks = ['update:claim', 'update:inspection', 'update:feedback'];
  const child = children.map((h) => ({ h, p: phases(h, marks) })).sort((a, b) => b.p[0]! - a.p[0]!)[0]!;
  const [open, claim, inspection, feedback] = child.p;
  const [, claimLocal, inspectionLocal, feedbackLocal] = phases(child.h, marks, true);
  return { pre: pre!, mid: mid!, post: post!, open: open!, claim: claim!, inspection: inspection!, feedback: feedback!, claimLocal, inspectionLocal, feedbackLocal };
}

/** Per case: workflow tasks, activity tasks, local activities (markers: not round trips), history bytes, polls, CPU ms by process and thread. */
type Result = { name: string; seconds: number; latencies: number[]; wft: number; act: number; local: number; bytes: number; polls: number; cpu: CpuSplit; shape?: Shape };

/** Runs `oneCase` N times, timed, then reads the histories of a sample ([case, task] ids). */
async function measure(stack: BenchStack, client: Client, name: string, oneCase: (i: number) => Promise<void>, sample: (i: number) => [string, string]): Promise<Result> {
  polls = 0;
  const cpu = cpuSplit(stack);
  const { seconds, lat: latencies } = await timedPool(N, CONCURRENCY, oneCase);
  const used = perItem(cpu(), N);
  const ids = Array.from({ length: SAMPLE }, (_, i) => sample(i));
  const parents = await Promise.all(ids.map(([p]) => client.workflow.getHandle(p).fetchHistory()));
  const children = await Promise.all(ids.map(([, c]) => client.workflow.getHandle(c).fetchHistory()));
  const all = [...parents, ...children];
  const bytes = all.reduce((a, h) => a + proto.api.history.v1.History.encode(h).finish().length, 0) / SAMPLE;
  const per = (f: (e: HistoryEvent) => boolean) => count(all, f) / SAMPLE;
  const wft = per((e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  const act = per((e) => e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
  return { name, seconds, latencies, wft, act, local: per(isLocal), bytes, polls: polls / N, cpu: used, shape: shapeOf(parents[0]!, children) };
}

/** `select tasks`, `insert into audit_events`…: a statement's kind and table. */
function statementKind(q: string): string {
  const m = /^\s*(select|insert into|update|delete from|begin|commit|rollback|with)\b(?:.*?\bfrom\s+)?\s*("?[\w.]+"?)?/is.exec(q);
  if (!m) return q.slice(0, 30);
  const verb = m[1]!.toLowerCase();
  return `${verb} ${verb === 'select' || verb === 'with' ? (m[2] ?? '') : (/^\s*\w+(?:\s+into|\s+from)?\s+("?[\w.]+"?)/i.exec(q)?.[1] ?? '')}`.trim();
}

async function runOurs(stack: BenchStack, round: number): Promise<Result> {
  const t = await connectTemporal(stack);
  // Counted by text (a map lookup: next to nothing inside the timed part), grouped at the end.
  const statements = new Map<string, number>();
  const ours = await startOurWorker(stack, t, { taskQueue: `bench-loop-${process.pid}`, poolMax: 20, onQuery: (q) => statements.set(q, (statements.get(q) ?? 0) + 1) });
  const { config, database } = ours;
  const app = await buildApp({ config, database, temporal: t.client, verifier: await createVerifier(config) });
  const approver = await signDevToken(config, { sub: 'bench:clerk', role: 'approval', department: DEMO.training.approvalDepartment });
  const food = await signDevToken(config, { sub: 'bench:food', role: 'supervision', department: DEMO.training.market, division: DEMO.training.marketFoodDivision });
  const call = async (url: string, token: string, payload?: unknown, expect = 200) => {
    const r = await app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });
    if (r.statusCode !== expect) throw new Error(`POST ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
  };
  const no = (i: number) => `${DEMO.training.approvalDepartment}-BL${process.pid}R${round}-${i}`;
  const task = (i: number) => `task-${no(i)}.${DEMO.training.market}`;
  statements.clear();
  const result = await measure(stack, t.client, 'ours (API + approvalCase/supervisionTask)', async (i) => {
    const applicant = { creditCode: demoCreditCode(`91320700L${String(round * 100_000 + i).padStart(8, '0')}`), name: '连云港演练食品店', phone: '13700000002' };
    await call('/v1/applications', approver, { applicationNo: no(i), itemCode: 'TR-FOOD-01', applicant, materials: ['食品经营许可申请书'] }, 201);
    await call(`/v1/applications/${no(i)}/decision`, approver, { outcome: 'approve', opinion: '演练' });
    await until(async () => (await database.sql`select 1 from tasks where task_id = ${task(i)}`).length > 0, task(i));
    await call(`/v1/tasks/${task(i)}/claim`, food);
    await call(`/v1/tasks/${task(i)}/inspection`, food, { finishedAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), findings: '现场检查符合要求' });
    await call(`/v1/tasks/${task(i)}/feedback`, food, { result: 'compliant', note: '符合要求' });
    await t.client.workflow.getHandle(`case-${no(i)}`).result();
  }, (i) => [`case-${no(i)}`, task(i)]);
  const kinds = new Map<string, number>();
  for (const [q, n] of statements) kinds.set(statementKind(q), (kinds.get(statementKind(q)) ?? 0) + n);
  const sorted = [...kinds].sort((a, b) => b[1] - a[1]);
  console.log(`[bench] ours: PostgreSQL statements per case ${(sorted.reduce((a, [, n]) => a + n, 0) / N).toFixed(1)}: ${sorted.map(([k, n]) => `${k} ${(n / N).toFixed(1)}`).join(', ')}`);
  await app.close();
  await ours.stop();
  await t.close();
  return result;
}

async function runBare(stack: BenchStack, round: number, shape: Shape): Promise<Result> {
  const t = await connectTemporal(stack);
  const taskQueue = `bench-bare-${process.pid}`;
  const bare = await startBareWorker(stack, t, { taskQueue, poolMax: 20 });
  const id = (i: number) => `BB${process.pid}R${round}-${i}`;
  const result = await measure(stack, t.client, 'bare (same shape, INSERT-only activities)', async (i) => {
    const workflowId = `bare-case-${id(i)}`;
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof bareCase>('bareCase', { workflowId, taskQueue, args: [id(i), shape], workflowIdConflictPolicy: 'USE_EXISTING' });
    await t.client.workflow.executeUpdateWithStart(bareSubmit, { startWorkflowOperation });
    const parent = t.client.workflow.getHandle(workflowId);
    await parent.executeUpdate(bareDecide);
    // Ours' task is there once its first activity has written its row; the bare task likewise.
    await until(async () => (await bare.sql`select 1 from bench_bare where key = ${`${id(i)}:open:0`}`).length > 0, `bare task ${id(i)}`);
    const task = t.client.workflow.getHandle(`bare-task-${id(i)}`);
    await task.executeUpdate(bareClaim);
    await task.executeUpdate(bareInspection);
    await task.executeUpdate(bareFeedback);
    await parent.result();
  }, (i) => [`bare-case-${id(i)}`, `bare-task-${id(i)}`]);
  await bare.stop();
  await t.close();
  return { ...result, shape: undefined };
}

function report(ours: Result, bare: Result): void {
  console.log(`\nwhole loop, ${quick ? 'quick' : 'full'} run, ${engineLabel(engine)}: ${N} cases of TR-FOOD-01, concurrency ${CONCURRENCY}; round trips from ${SAMPLE} sampled cases (case + task histories)`);
  for (const r of [ours, bare]) {
    const trips = `round trips/case ${(r.wft + r.act).toFixed(1)} (workflow tasks ${r.wft.toFixed(1)} + activity tasks ${r.act.toFixed(1)}; local activities ${r.local.toFixed(1)})`;
    console.log(`${r.name.padEnd(44)} ${(N / r.seconds).toFixed(2).padStart(8)} cases/s   p50 ${pct(r.latencies, 50).toFixed(0).padStart(6)} ms   p99 ${pct(r.latencies, 99).toFixed(0).padStart(6)} ms   ${trips}`);
  }
  for (const r of [ours, bare]) {
    const c = r.cpu;
    const f = (x: number) => x.toFixed(1).padStart(6);
    console.log(`  CPU ms per case, ${r.name.split(' ')[0]!.padEnd(5)}: node (API + worker) ${f(c.node)}   Temporal ${f(c.temporal)}   PostgreSQL ${f(c.postgres)}   whole machine ${f(c.machine)}   (history ${r.bytes.toFixed(0)} bytes, ${r.polls.toFixed(1)} polls for the task per case)`);
    console.log(`    node by thread: main ${c.threads.main.toFixed(1)} (kernel ${c.threads.mainSys.toFixed(1)}), workflow ${c.threads.workflow.toFixed(1)}, Temporal core ${c.threads.core.toFixed(1)}, other ${c.threads.other.toFixed(1)}`);
  }
  const ratio = (p: number) => (pct(ours.latencies, p) / pct(bare.latencies, p)).toFixed(2);
  console.log(`ratio ours/bare: cases/s ${(bare.seconds / ours.seconds).toFixed(2)}   p50 ${ratio(50)}   p99 ${ratio(99)}   round trips ${((ours.wft + ours.act) / (bare.wft + bare.act)).toFixed(2)}`);
}

const stack = await startBenchStack(engine);
try {
  // Each side on a fresh server: on one server it would run over the other's histories in the
  // same SQLite file (or tables), which costs the server more per case (docs/benchmarks.md).
  const ratios: number[] = [];
  let shape: Shape | undefined;
  const side = async (which: 'ours' | 'bare', round: number): Promise<Result> => {
    if (round > 0 || which === 'bare') await stack.restartTemporal({ fresh: true });
    if (which === 'bare') return runBare(stack, round, shape!);
    const r = await runOurs(stack, round);
    console.log(`[bench] shape measured from the real histories (activities per phase): ${JSON.stringify((shape = r.shape))}`);
    return r;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const first = await side(round % 2 === 0 ? 'ours' : 'bare', round);
    const second = await side(round % 2 === 0 ? 'bare' : 'ours', round);
    const pair: [Result, Result] = round % 2 === 0 ? [first, second] : [second, first];
    if (ROUNDS > 1) console.log(`\n── round ${round + 1} of ${ROUNDS} (${round % 2 === 0 ? 'ours, then bare' : 'bare, then ours'}) ──`);
    report(...pair);
    ratios.push(pair[1].seconds / pair[0].seconds);
  }
  if (ROUNDS > 1) {
    const s = [...ratios].sort((a, b) => a - b);
    const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    console.log(`\n${engineLabel(engine)}\nratio ours/bare, cases/s, by round: ${ratios.map((r) => r.toFixed(2)).join(', ')}   median ${median.toFixed(2)}   mean ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)}`);
  }
} finally {
  await stack.stop();
}
