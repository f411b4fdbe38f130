// npm run bench:loop [-- --quick] [-- --cases N]
// The whole standard route, end to end: N cases of TR-FOOD-01 (default 500, quick 30) through
// the real API in-process (buildApp + inject) with the real worker in-process (createWorker,
// pre-built bundle), 50 at a time: submit, decide approve, claim, inspection, feedback
// compliant, wait closed. Then, in the same run, the bare workflows of the same shape
// (scripts/bench/bare-workflows.ts: same activities per phase, each a tiny INSERT; same
// updates; one child) driven the same way with client.workflow calls. Prints cases/s, p50/p99
// per-case latency, server round trips per case (WorkflowTaskCompleted + ActivityTaskCompleted
// in the histories of a sample) and the ratios ours/bare.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection, WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection, DefaultLogger, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { createRequire } from 'node:module';
import type { temporal as protoNs } from '@temporalio/proto';
import postgres from 'postgres';
import { buildApp } from '../../api/app.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import { createDatabase } from '../../db/client.js';
import { createWorker, workflowsPath } from '../../runtime/worker.js';
import { creditCodeCheckChar } from '../../workflows/domain/credit-code.js';
import { DEMO } from '../seed.js';
import { argValue, cpuSplit, devConfigArgs, pct, pool, quietTemporalRuntime, sleep, startBenchStack, type BenchStack, type CpuSplit } from './stack.js';
import type { Padding, Shape } from './bare-workflows.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const N = argValue(argv, '--cases') ?? (quick ? 30 : 500);
const CONCURRENCY = argValue(argv, '--concurrency') ?? 50;
// Rounds of the pair, each side on a fresh dev server, the order alternating (ours first in
// even rounds, bare first in odd ones): the machine's speed drifts over minutes and the first
// side runs on a colder process, so one pair can be off by ±5 %; the median of rounds is not.
const ROUNDS = argValue(argv, '--rounds') ?? 1;
let round = 0;
const SAMPLE = Math.min(N, 10);
const proto = (createRequire(import.meta.url)('@temporalio/proto') as { temporal: typeof protoNs }).temporal;
const ET = proto.api.enums.v1.EventType;
/** Encoded bytes of a case's histories (case + task), per case: what the server stores and reads. */
const historyBytes = (hs: History[], cases: number) => hs.reduce((a, h) => a + proto.api.history.v1.History.encode(h as protoNs.api.history.v1.IHistory).finish().length, 0) / cases;

quietTemporalRuntime();

export function freshCreditCode(): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '91320700';
  for (let i = 0; i < 9; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  return body + creditCodeCheckChar(body);
}

// How often a driver looks for the supervision task after the decision, on both sides. A back office looks every few
// seconds; 250 ms keeps the added latency small (~2 % of a case) without making the polling
// itself a large part of the load (at 20 ms it was ~40 GETs per case; each costs a request).
const POLL_MS = argValue(argv, '--poll-ms') ?? 250;
// How the drivers learn that the task exists: both sides look for the row the task's first
// activity writes, with one SQL statement on the worker's pool — the synchronisation is the
// driver's, not a step of the loop, and it costs both sides the same. With --poll-api ours looks
// through `GET /v1/tasks/{id}` instead, as a back office would (the bare side has no API to ask:
// each of ours' ~7 polls a case is then an authenticated request that the bare side does not make).
const pollApi = argv.includes('--poll-api');
// The bare workflows with ours' search attributes (start attributes, and the stage upserted
// where ours upserts it): what the loop costs beyond Temporal and the operator's visibility.
const bareVisibility = argv.includes('--bare-visibility');
/**
 * --bare-pad: the bare workflows carry about as many history bytes per case as ours (28 KB
 * against 16 KB; BENCH_DUMP_HISTORIES=1 shows where ours' go: the case's and the task's inputs,
 * activity inputs with their summaries and results, update results), to measure what the
 * larger history costs on its own.
 */
const barePadding: Padding | undefined = argv.includes('--bare-pad') ? { input: 'x'.repeat(1200), activity: 330, activityResult: 120, updateResult: 190 } : undefined;
let polls = 0;
async function until<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    polls++;
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

interface HistoryEvent {
  eventType?: protoNs.api.enums.v1.EventType | null;
  workflowExecutionUpdateAcceptedEventAttributes?: { acceptedRequest?: { input?: { name?: string | null } | null } | null } | null;
  markerRecordedEventAttributes?: { markerName?: string | null } | null;
}
interface History { events?: HistoryEvent[] | null }

/** Events per case by type (averaged over the sample), for finding where the server's work goes. */
function eventHistogram(hs: History[], n: number): string {
  const counts = new Map<string, number>();
  for (const h of hs) for (const e of h.events ?? []) {
    const name = (ET[e.eventType ?? 0] ?? String(e.eventType)).replace('EVENT_TYPE_', '').toLowerCase();
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ');
}

/** A local activity's result in a history: a marker, run inside a workflow task (no round trip). */
const isLocalActivity = (e: HistoryEvent) =>
  e.eventType === ET.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity';

function roundTrips(h: History): { wft: number; act: number; local: number } {
  let wft = 0;
  let act = 0;
  let local = 0;
  for (const e of h.events ?? []) {
    if (e.eventType === ET.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) wft++;
    if (e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) act++;
    if (isLocalActivity(e)) local++;
  }
  return { wft, act, local };
}

/** Activities scheduled (or, with `local`, local activities run) in each phase, split at the named update acceptances / child events. */
function phases(h: History, marks: string[], local = false): number[] {
  const out = Array(marks.length + 1).fill(0) as number[];
  let seg = 0;
  for (const e of h.events ?? []) {
    const name = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
    const key = e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED ? `update:${name}` : e.eventType === ET.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED ? 'child-start' : e.eventType === ET.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED ? 'child-done' : '';
    const m = marks.indexOf(key, seg);
    if (m >= seg) seg = m + 1;
    if (local ? isLocalActivity(e) : e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) out[seg]!++;
  }
  return out;
}

const ms = (seconds: number) => (seconds * 1000) / N;
const perCase = (c: CpuSplit): CpuSplit => ({
  node: ms(c.node),
  temporal: ms(c.temporal),
  postgres: ms(c.postgres),
  machine: ms(c.machine),
  threads: { main: ms(c.threads.main), workflow: ms(c.threads.workflow), core: ms(c.threads.core), other: ms(c.threads.other), mainSys: ms(c.threads.mainSys) },
});
const threadsLine = (c: CpuSplit) =>
  `node by thread: main ${c.threads.main.toFixed(1)} (kernel ${c.threads.mainSys.toFixed(1)}), workflow ${c.threads.workflow.toFixed(1)}, Temporal core ${c.threads.core.toFixed(1)}, other ${c.threads.other.toFixed(1)}`;

/**
 * Statements sent to PostgreSQL by the API and the worker, over the timed part: counted by their
 * text (a map lookup, so the counting costs ours next to nothing), grouped by kind at the end.
 */
const statements = new Map<string, number>();
const byKind = (counted: Map<string, number>) => {
  const kinds = new Map<string, number>();
  for (const [q, n] of counted) kinds.set(statementKey(q), (kinds.get(statementKey(q)) ?? 0) + n);
  return kinds;
};
const fullStatements = argv.includes('--statements-full');
const bareDescribe = argv.includes('--bare-describe');
// The dev server's own counters (requests by API, persistence calls by operation…) per case,
// side by side: where the server's extra work per case comes from.
const serverMetrics = argv.includes('--server-metrics');
function perCaseCounters(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of after) {
    const d = (v - (before.get(k) ?? 0)) / N;
    if (d !== 0) out.set(k, d);
  }
  return out;
}
function statementKey(q: string): string {
  if (fullStatements) return q.replace(/\s+/g, ' ').slice(0, 160);
  const m = /^\s*(select|insert into|update|delete from|begin|commit|rollback|with)\b(?:.*?\bfrom\s+)?\s*("?[\w.]+"?)?/is.exec(q);
  return m ? `${m[1]!.toLowerCase()} ${m[1]!.toLowerCase().startsWith('select') || m[1]!.toLowerCase() === 'with' ? (m[2] ?? '') : (/^\s*\w+(?:\s+into|\s+from)?\s+("?[\w.]+"?)/i.exec(q)?.[1] ?? '')}`.trim() : q.slice(0, 30);
}

interface Result {
  name: string;
  seconds: number;
  latencies: number[];
  wft: number;
  act: number;
  /** Local activities per case (markers: inside workflow tasks, not round trips). */
  local: number;
  shape?: Shape;
  /** Polls for the task per case. */
  polls: number;
  /** CPU seconds per case by process, over the timed part. */
  cpu: CpuSplit;
  /** With --server-metrics: the dev server's counters per case over the timed part. */
  server?: Map<string, number>;
}

async function sampleHistories(client: Client, ids: Array<[string, string]>): Promise<{ wft: number; act: number; local: number; parents: History[]; children: History[] }> {
  let wft = 0;
  let act = 0;
  let local = 0;
  const parents: History[] = [];
  const children: History[] = [];
  for (const [p, c] of ids) {
    const hp = (await client.workflow.getHandle(p).fetchHistory()) as History;
    const hc = (await client.workflow.getHandle(c).fetchHistory()) as History;
    parents.push(hp);
    children.push(hc);
    if (process.env.BENCH_DUMP_HISTORIES && parents.length === 1) {
      // One case's two histories as event types with each event's size in bytes, to compare ours with bare step by step.
      for (const [name, h] of [[p, hp], [c, hc]] as const) console.log(`[histories] ${name}: ${(h.events ?? []).map((e) => `${(ET[e.eventType ?? 0] ?? String(e.eventType)).replace('EVENT_TYPE_', '').replace('WORKFLOW_TASK', 'WFT').replace('ACTIVITY_TASK', 'ACT')}:${proto.api.history.v1.HistoryEvent.encode(e as protoNs.api.history.v1.IHistoryEvent).finish().length}`).join(' ')}`);
    }
    for (const h of [hp, hc]) {
      const r = roundTrips(h);
      wft += r.wft;
      act += r.act;
      local += r.local;
    }
  }
  return { wft: wft / ids.length, act: act / ids.length, local: local / ids.length, parents, children };
}

async function runOurs(stack: BenchStack, bundlePath: string, client: Client, native: NativeConnection): Promise<Result> {
  const config = stack.config({ WORKFLOW_BUNDLE_PATH: bundlePath, TEMPORAL_TASK_QUEUE: `bench-loop-${process.pid}` });
  const database = createDatabase(stack.databaseUrl, { max: 20, onQuery: (q) => statements.set(q, (statements.get(q) ?? 0) + 1) });
  const worker = await createWorker(config, database, native, client);
  const running = worker.run();
  const app = await buildApp({ config, database, temporal: client, verifier: await createVerifier(config) });
  const approverT = await signDevToken(config, { sub: 'bench:clerk', role: 'approval', department: DEMO.approvalDepartment });
  const foodT = await signDevToken(config, { sub: 'bench:food', role: 'supervision', department: DEMO.market, division: DEMO.marketFoodDivision });
  const call = async (method: 'GET' | 'POST', url: string, token: string, payload?: unknown, expect = 200) => {
    const r = await app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload: payload as never });
    if (r.statusCode !== expect) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return r;
  };
  const prefix = `BL${process.pid}R${round}`;
  const latencies: number[] = [];
  const oneCase = async (i: number) => {
    const no = `${prefix}-${i}`;
    const t0 = performance.now();
    await call('POST', '/v1/applications', approverT, { applicationNo: no, itemCode: 'TR-FOOD-01', applicant: { creditCode: freshCreditCode(), name: '连云港演练食品店', phone: '13700000002' }, materials: ['食品经营许可申请书'] }, 201);
    await call('POST', `/v1/applications/${no}/decision`, approverT, { outcome: 'approve', opinion: '演练' });
    const taskId = `task-${no}-${DEMO.market}`;
    if (pollApi) await until(async () => ((await app.inject({ method: 'GET', url: `/v1/tasks/${taskId}`, headers: { authorization: `Bearer ${foodT}` } })).statusCode === 200 ? true : null), `task ${taskId}`);
    else await until(() => database.sql`select 1 from tasks where task_id = ${taskId}`.then((r) => (r.length > 0 ? true : null)), `task ${taskId}`);
    await call('POST', `/v1/tasks/${taskId}/claim`, foodT);
    await call('POST', `/v1/tasks/${taskId}/inspection`, foodT, { finishedAt: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), findings: '现场检查符合要求' });
    await call('POST', `/v1/tasks/${taskId}/feedback`, foodT, { result: 'compliant', note: '符合要求' });
    const t1 = performance.now();
    await client.workflow.getHandle(`case-${no}`).result();
    if (process.env.BENCH_TRACE) console.log(`[trace] ours ${no}: until feedback ${(t1 - t0).toFixed(0)} ms, result ${(performance.now() - t1).toFixed(0)} ms`);
    latencies.push(performance.now() - t0);
  };
  const t0 = performance.now();
  polls = 0;
  const m0 = serverMetrics ? await stack.serverCounters() : undefined;
  const cpu = cpuSplit(stack);
  statements.clear();
  await pool(N, CONCURRENCY, oneCase);
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu();
  const server = m0 && perCaseCounters(m0, await stack.serverCounters());
  const perCaseStatements = [...byKind(statements)].sort((a, b) => b[1] - a[1]);
  console.log(
    `[bench] ours: PostgreSQL statements per case ${(perCaseStatements.reduce((a, [, n]) => a + n, 0) / N).toFixed(1)}: ${perCaseStatements.map(([k, n]) => `${k} ${(n / N).toFixed(1)}`).join(', ')}`,
  );
  const ids = Array.from({ length: SAMPLE }, (_, i): [string, string] => [`case-${prefix}-${i}`, `task-${prefix}-${i}-${DEMO.market}`]);
  const s = await sampleHistories(client, ids);
  console.log(`[bench] ours: history bytes per case ${historyBytes([...s.parents, ...s.children], SAMPLE).toFixed(0)}; history events per case: ${eventHistogram([...s.parents, ...s.children], SAMPLE)}`);
  const [pre, mid, , post] = phases(s.parents[0]!, ['update:decide', 'child-start', 'child-done']);
  // A claim can overtake the push's second activity (the SMS); take the sample where it did not.
  const marks = ['update:claim', 'update:inspection', 'update:feedback'];
  const sample = s.children.map((h) => ({ h, p: phases(h, marks) })).sort((a, b) => b.p[0]! - a.p[0]!)[0]!;
  const [open, claim, inspection, feedback] = sample.p;
  const [, claimLocal, inspectionLocal, feedbackLocal] = phases(sample.h, marks, true);
  const shape: Shape = { pre: pre!, mid: mid!, post: post!, open: open!, claim: claim!, inspection: inspection!, feedback: feedback!, claimLocal: claimLocal!, inspectionLocal: inspectionLocal!, feedbackLocal: feedbackLocal! };
  await app.close();
  worker.shutdown();
  await running;
  await database.close();
  return { name: 'ours (API + approvalCase/supervisionTask)', seconds, latencies, wft: s.wft, act: s.act, local: s.local, shape, cpu: perCase(used), polls: polls / N, server };
}

async function runBare(stack: BenchStack, client: Client, native: NativeConnection, shape: Shape): Promise<Result> {
  const { bareDecide, bareSubmit, bareClaim, bareInspection, bareFeedback } = await import('./bare-workflows.js');
  const taskQueue = `bench-bare-${process.pid}`;
  const sql = postgres(stack.databaseUrl, { max: 20, onnotice: () => {} });
  await sql`create table if not exists bench_bare (id bigserial primary key, key text not null, at timestamptz not null default now())`;
  await sql`create index if not exists bench_bare_key on bench_bare (key)`;
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(path.dirname(new URL(import.meta.url).pathname), 'bare-workflows.ts'), logger: new DefaultLogger('WARN') });
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { code },
    activities: {
      bareInsert: async (key: string, _pad?: string, resultBytes?: number) => {
        await sql`insert into bench_bare (key) values (${key})`;
        return resultBytes ? 'x'.repeat(resultBytes) : undefined;
      },
    },
    maxCachedWorkflows: 2000,
    maxConcurrentActivityTaskExecutions: 100,
    maxConcurrentWorkflowTaskExecutions: 40,
  });
  const running = worker.run();
  const prefix = `BB${process.pid}R${round}`;
  const latencies: number[] = [];
  const oneCase = async (i: number) => {
    const id = `${prefix}-${i}`;
    const t0 = performance.now();
    await client.workflow.executeUpdateWithStart(bareSubmit, {
      startWorkflowOperation: new WithStartWorkflowOperation<typeof import('./bare-workflows.js').bareCase>('bareCase', {
        workflowId: `bare-case-${id}`,
        taskQueue,
        args: [id, shape],
        workflowIdConflictPolicy: 'USE_EXISTING',
        ...(shape.visibility && {
          searchAttributes: { SgApplicationNo: [id], SgCreditCode: ['91320700MA1XXXXXX0'], SgItemCode: ['TR-FOOD-01'], SgRegion: ['320700'], SgDepartment: ['SCJG'], SgStage: ['submitted'] },
        }),
      }),
    });
    const parent = client.workflow.getHandle(`bare-case-${id}`);
    await parent.executeUpdate(bareDecide);
    const task: WorkflowHandle = client.workflow.getHandle(`bare-task-${id}`);
    // Ours' task exists once the child's first activity, openTask, has written its row; the bare
    // task likewise once its first activity has written its row. (Until
    // 2026-11-24 the bare driver looked for the child with describe, which answers as soon as the
    // child starts: its claim then overlapped the open phase — a shortcut ours cannot take, worth
    // ~1.5 workflow tasks per case. `--bare-describe` keeps that driver, for comparison.)
    if (bareDescribe || shape.open === 0) await until(() => task.describe().then(() => true, () => null), `bare task ${id}`);
    else await until(() => sql`select 1 from bench_bare where key = ${`${id}:open:0`}`.then((r) => (r.length > 0 ? true : null)), `bare task ${id}`);
    await task.executeUpdate(bareClaim);
    await task.executeUpdate(bareInspection);
    await task.executeUpdate(bareFeedback);
    const t1 = performance.now();
    await parent.result();
    if (process.env.BENCH_TRACE) console.log(`[trace] bare ${id}: until feedback ${(t1 - t0).toFixed(0)} ms, result ${(performance.now() - t1).toFixed(0)} ms`);
    latencies.push(performance.now() - t0);
  };
  const t0 = performance.now();
  polls = 0;
  const m0 = serverMetrics ? await stack.serverCounters() : undefined;
  const cpu = cpuSplit(stack);
  await pool(N, CONCURRENCY, oneCase);
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu();
  const server = m0 && perCaseCounters(m0, await stack.serverCounters());
  const s = await sampleHistories(client, Array.from({ length: SAMPLE }, (_, i): [string, string] => [`bare-case-${prefix}-${i}`, `bare-task-${prefix}-${i}`]));
  console.log(`[bench] bare: history bytes per case ${historyBytes([...s.parents, ...s.children], SAMPLE).toFixed(0)}; history events per case: ${eventHistogram([...s.parents, ...s.children], SAMPLE)}`);
  worker.shutdown();
  await running;
  await sql.end({ timeout: 5 });
  return { name: shape.visibility ? 'bare (same shape, with ours\' search attributes)' : 'bare (same shape, INSERT-only activities)', seconds, latencies, wft: s.wft, act: s.act, local: s.local, cpu: perCase(used), polls: polls / N, server };
}

/** The side-by-side figures of a full run. */
function report(ours: Result, bare: Result): void {
  console.log(`\nwhole loop, ${quick ? 'quick' : 'full'} run: ${N} cases of TR-FOOD-01, concurrency ${CONCURRENCY}; round trips from ${SAMPLE} sampled cases (case + task histories)`);
  for (const r of [ours, bare]) {
    console.log(
      `${r.name.padEnd(44)} ${(N / r.seconds).toFixed(2).padStart(8)} cases/s   p50 ${pct(r.latencies, 50).toFixed(0).padStart(6)} ms   p99 ${pct(r.latencies, 99).toFixed(0).padStart(6)} ms   round trips/case ${(r.wft + r.act).toFixed(1)} (workflow tasks ${r.wft.toFixed(1)} + activity tasks ${r.act.toFixed(1)}; local activities ${r.local.toFixed(1)})`,
    );
  }
  for (const r of [ours, bare]) {
    console.log(
      `  CPU ms per case, ${r.name.split(' ')[0]!.padEnd(5)}: node (API + worker) ${r.cpu.node.toFixed(1).padStart(6)}   Temporal ${r.cpu.temporal.toFixed(1).padStart(6)}   PostgreSQL ${r.cpu.postgres.toFixed(1).padStart(6)}   whole machine ${r.cpu.machine.toFixed(1).padStart(6)}   (polls for the task ${r.polls.toFixed(1)} per case, every ${POLL_MS} ms)`,
    );
    console.log(`    ${threadsLine(r.cpu)}`);
  }
  if (ours.server && bare.server) {
    // Counters (not histograms' buckets), the largest differences first.
    const keys = [...new Set([...ours.server.keys(), ...bare.server.keys()])].filter((k) => !/_bucket\b|_sum\b|latency|_seconds/.test(k));
    const rows = keys.map((k) => [k, ours.server!.get(k) ?? 0, bare.server!.get(k) ?? 0] as const).filter(([, o, b]) => Math.abs(o - b) >= 0.05);
    rows.sort((a, b) => Math.abs(b[1] - b[2]) - Math.abs(a[1] - a[2]));
    console.log(`  server counters per case, ours vs bare (largest differences): ${rows.slice(0, 40).map(([k, o, b]) => `${k} ${o.toFixed(1)}/${b.toFixed(1)}`).join(', ')}`);
    const requests = rows.filter(([k]) => /^(service_requests|persistence_requests|visibility_persistence_requests)\|/.test(k));
    console.log(`  server requests per case, ours vs bare (every one that differs): ${requests.map(([k, o, b]) => `${k} ${o.toFixed(1)}/${b.toFixed(1)}`).join(', ')}`);
  }
  console.log(
    `ratio ours/bare: cases/s ${(bare.seconds / ours.seconds).toFixed(2)}   p50 ${(pct(ours.latencies, 50) / pct(bare.latencies, 50)).toFixed(2)}   p99 ${(pct(ours.latencies, 99) / pct(bare.latencies, 99)).toFixed(2)}   round trips ${((ours.wft + ours.act) / (bare.wft + bare.act)).toFixed(2)}`,
  );
}

const stack = await startBenchStack({ keep: argv.includes('--keep'), serverMetrics, devServerArgs: devConfigArgs(argv) });
try {
  const connect = async () => {
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const native = await NativeConnection.connect({ address: stack.temporalAddress });
    return { connection, native, client: new Client({ connection, namespace: 'default' }), close: async () => void (await Promise.all([connection.close(), native.close()])) };
  };
  const bundlePath = path.join(stack.dir, 'workflow-bundle.js');
  const tb = performance.now();
  fs.writeFileSync(bundlePath, (await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') })).code);
  console.log(`[bench] workflow bundle built in ${((performance.now() - tb) / 1000).toFixed(1)} s`);

  if (argv.includes('--bare-only')) {
    // For profiling the baseline alone, with the standard route's shape as ours measures it.
    const t = await connect();
    const bare = await runBare(stack, t.client, t.native, { pre: 3, mid: 3, post: 3, open: 2, claim: 0, inspection: 0, feedback: 0, claimLocal: 1, inspectionLocal: 1, feedbackLocal: 1, visibility: bareVisibility, padding: barePadding });
    await t.close();
    console.log(`bare only: ${N} cases in ${bare.seconds.toFixed(1)} s (${(N / bare.seconds).toFixed(2)} cases/s); CPU ms per case: node ${bare.cpu.node.toFixed(1)}, Temporal ${bare.cpu.temporal.toFixed(1)}, PostgreSQL ${bare.cpu.postgres.toFixed(1)}; ${threadsLine(bare.cpu)}`);
  } else {
    const t = await connect();
    const ours = await runOurs(stack, bundlePath, t.client, t.native);
    await t.close();
    console.log(`[bench] shape measured from the real histories (activities per phase): ${JSON.stringify(ours.shape)}`);
    if (argv.includes('--ours-only')) {
      // For profiling our side alone.
      console.log(`ours only: ${N} cases in ${ours.seconds.toFixed(1)} s (${(N / ours.seconds).toFixed(2)} cases/s); CPU ms per case: node ${ours.cpu.node.toFixed(1)}, Temporal ${ours.cpu.temporal.toFixed(1)}, PostgreSQL ${ours.cpu.postgres.toFixed(1)}; ${threadsLine(ours.cpu)}`);
    } else {
      // Each side gets a dev server as fresh as ours had: on the same server it would run over
      // the other's histories in the same SQLite file, which costs the server more per case
      // (docs/benchmarks.md). --same-server keeps the old behaviour, for comparison (one round).
      const side = async (which: 'ours' | 'bare'): Promise<Result> => {
        if (!argv.includes('--same-server')) await stack.freshTemporal();
        const c = await connect();
        const r = await (which === 'ours' ? runOurs(stack, bundlePath, c.client, c.native) : runBare(stack, c.client, c.native, { ...ours.shape!, visibility: bareVisibility, padding: barePadding }));
        await c.close();
        return r;
      };
      const ratios: number[] = [];
      for (round = 0; round < ROUNDS; round++) {
        let pair: [Result, Result];
        if (round === 0) pair = [ours, await side('bare')];
        else if (round % 2 === 0) {
          const o = await side('ours');
          pair = [o, await side('bare')];
        } else {
          const b = await side('bare');
          pair = [await side('ours'), b];
        }
        if (ROUNDS > 1) console.log(`\n── round ${round + 1} of ${ROUNDS} (${round % 2 === 0 ? 'ours, then bare' : 'bare, then ours'}) ──`);
        report(...pair);
        ratios.push(pair[1].seconds / pair[0].seconds);
      }
      if (ROUNDS > 1) {
        const sorted = [...ratios].sort((a, b) => a - b);
        const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
        console.log(`\nratio ours/bare, cases/s, by round: ${ratios.map((r) => r.toFixed(2)).join(', ')}   median ${median.toFixed(2)}   mean ${(ratios.reduce((a, b) => a + b, 0) / ratios.length).toFixed(2)}`);
      }
    }
  }
} finally {
  await stack.stop();
}
