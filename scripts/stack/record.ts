/**
 * `<dir>/stack.json`: what a stack started, so that another process can stop it — `npm stop`
 * for `npm start`'s stack (.data/stack.json), and every run for the run dirs its dead
 * predecessors left (.data/<kind>/run-<pid>). Node built-ins and sibling helpers only, so
 * `npm stop` works even when the configuration is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOurProcess, isPidAlive, terminate, waitForExit } from './proc.js';
import { liveClusterParts } from './cluster.js';
import { livePostmaster, removeCluster, stopLocalPostgres } from './postgres.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const dataRoot = path.join(projectRoot, '.data');
export const APP_ENTRY = { api: path.join('api', 'server.ts'), worker: path.join('runtime', 'worker.ts') } as const;

export interface StackRecord {
  /** The process that runs the stack, and a part of its command line that identifies it. */
  supervisor: { pid: number; entry: string };
  startedAt: string;
  ready: boolean;
  urls: { api?: string; docs?: string; temporalUi?: string; database?: string; workerMetrics?: string };
  /** Only what the stack started itself; reused servers are named in `reused`. */
  api?: { pid: number };
  worker?: { pid: number };
  temporal?: { pid: number; dataDir: string };
  /** The real server (cluster mode) and its Web UI, each known by its generated config. */
  cluster?: { pid: number; uiPid: number; configFile: string; uiConfigDir: string };
  postgres?: { pid: number; dataDir: string };
  reused?: { temporal?: string; postgres?: string };
}

const recordFile = (dir: string): string => path.join(dir, 'stack.json');

export function readRecord(dir: string): StackRecord | null {
  try {
    const rec = JSON.parse(fs.readFileSync(recordFile(dir), 'utf8')) as StackRecord;
    return rec?.supervisor?.pid ? rec : null;
  } catch {
    return null;
  }
}

export function writeRecord(dir: string, rec: StackRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${recordFile(dir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(rec, null, 2)}\n`);
  fs.renameSync(tmp, recordFile(dir));
}

export const removeRecord = (dir: string): void => fs.rmSync(recordFile(dir), { force: true });

/** The recorded processes still running, each with how to stop it, in stopping order. */
export function liveParts(rec: StackRecord): Array<{ name: string; stop: () => Promise<unknown> }> {
  const parts: Array<{ name: string; stop: () => Promise<unknown> } | false> = [
    isOurProcess(rec.api?.pid, APP_ENTRY.api) && { name: 'api', stop: () => terminate(rec.api!.pid, 10_000, true) },
    isOurProcess(rec.worker?.pid, APP_ENTRY.worker) && { name: 'worker', stop: () => terminate(rec.worker!.pid, 20_000, true) },
    !!rec.temporal && isOurProcess(rec.temporal.pid, 'start-dev', rec.temporal.dataDir) && { name: 'Temporal dev server', stop: () => terminate(rec.temporal!.pid, 10_000) },
    ...(rec.cluster ? liveClusterParts(rec.cluster) : []),
    !!rec.postgres && livePostmaster(rec.postgres.dataDir)?.pid === rec.postgres.pid && { name: 'PostgreSQL', stop: () => stopLocalPostgres(rec.postgres!.dataDir) },
  ];
  return parts.filter((p) => p !== false);
}

export const supervisorAlive = (rec: StackRecord): boolean => rec.supervisor.pid !== process.pid && isOurProcess(rec.supervisor.pid, rec.supervisor.entry);

/**
 * Stops the stack recorded in dir: asks its supervisor first (SIGTERM; it stops its parts in
 * order), then stops whatever recorded part still runs. Answers the names of what it stopped.
 */
export async function stopRecorded(dir: string, say: (msg: string) => void = () => {}): Promise<string[]> {
  const rec = readRecord(dir);
  if (!rec) return [];
  const stopped: string[] = [];
  const before = liveParts(rec).map((p) => p.name);
  if (supervisorAlive(rec)) {
    say(`asking ${rec.supervisor.entry} (pid ${rec.supervisor.pid}) to stop its stack`);
    process.kill(rec.supervisor.pid, 'SIGTERM');
    if (!(await waitForExit(rec.supervisor.pid, 90_000))) await terminate(rec.supervisor.pid, 5_000);
    stopped.push(`${rec.supervisor.entry} (pid ${rec.supervisor.pid})`);
  }
  const left = liveParts(rec);
  stopped.push(...before.filter((n) => !left.some((p) => p.name === n)));
  for (const p of left) {
    await p.stop().catch((e: Error) => say(`stopping the ${p.name}: ${e.message}`));
    stopped.push(p.name);
  }
  removeRecord(dir);
  return stopped;
}

/**
 * A fresh run dir `.data/<kind>/run-<pid>`, after clearing the run dirs of that kind whose
 * process is gone (stopping what they left running), so two runs at once never share a server.
 */
export async function newRunDir(kind: string): Promise<string> {
  const root = path.join(dataRoot, kind);
  for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    const pid = /^run-(\d+)$/.exec(name)?.[1];
    if (!pid || isPidAlive(Number(pid))) continue;
    const dir = path.join(root, name);
    await stopRecorded(dir);
    await stopLocalPostgres(path.join(dir, 'pg')).catch(() => false);
    if (!livePostmaster(path.join(dir, 'pg'))) {
      removeCluster(path.join(dir, 'pg'));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = path.join(root, `run-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
