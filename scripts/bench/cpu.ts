// CPU by process and by thread, from Linux /proc: what a case, a read or a burst costs in this
// Node process (API, worker, client), the Temporal dev server and PostgreSQL, over a timed part.
import fs from 'node:fs';

const CLK_TCK = 100;

export interface CpuSplit {
  node: number;
  temporal: number;
  postgres: number;
  machine: number;
  /** This process by thread: main (API, activities, client; `mainSys` its kernel share), the busiest other JS thread (the SDK's workflow thread), the core's tokio threads, the rest (GC, libuv). */
  threads: { main: number; workflow: number; core: number; other: number; mainSys: number };
}

/** A /proc stat line: the name, and the fields after it (ppid 1, utime 11, stime 12, cutime 13, cstime 14); null once exited. */
function readStat(file: string): { name: string; f: string[] } | null {
  try {
    const s = fs.readFileSync(file, 'utf8');
    return { name: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), f: s.slice(s.lastIndexOf(')') + 2).split(' ') };
  } catch {
    return null; // it exited while we read
  }
}

/** utime+stime of pid and its live descendants, plus the reaped children's, in seconds. */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const name of fs.readdirSync('/proc')) {
    const st = /^\d+$/.test(name) ? readStat(`/proc/${name}/stat`) : null;
    if (st) stats.set(Number(name), { ppid: Number(st.f[1]), ticks: [11, 12, 13, 14].reduce((a, i) => a + Number(st.f[i]), 0) });
  }
  const walk = (pid: number): number => (stats.get(pid)?.ticks ?? 0) + [...stats].reduce((a, [child, c]) => a + (c.ppid === pid ? walk(child) : 0), 0);
  return walk(root) / CLK_TCK;
}

/** Whole-machine busy CPU seconds (all cores). */
function machineBusySeconds(): number {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0)) / CLK_TCK;
}

type Threads = Map<number, { name: string; seconds: number; sys: number }>;
function threadCpuSeconds(): Threads {
  const out: Threads = new Map();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const st = readStat(`/proc/self/task/${tid}/stat`);
    if (st) out.set(Number(tid), { name: st.name, seconds: (Number(st.f[11]) + Number(st.f[12])) / CLK_TCK, sys: Number(st.f[12]) / CLK_TCK });
  }
  return out;
}

function threadSplit(before: Threads, after: Threads): CpuSplit['threads'] {
  const deltas = [...after].map(([tid, t]) => ({ tid, name: t.name, d: t.seconds - (before.get(tid)?.seconds ?? 0) })).sort((a, b) => b.d - a.d);
  const sum = (ts: typeof deltas) => ts.reduce((a, t) => a + t.d, 0);
  const js = deltas.filter((t) => t.tid !== process.pid && !t.name.startsWith('tokio'));
  return {
    main: sum(deltas.filter((t) => t.tid === process.pid)),
    workflow: js[0]?.d ?? 0,
    core: sum(deltas.filter((t) => t.name.startsWith('tokio'))),
    other: sum(js.slice(1)),
    mainSys: (after.get(process.pid)?.sys ?? 0) - (before.get(process.pid)?.sys ?? 0),
  };
}

/** CPU seconds of this process, the Temporal dev server and PostgreSQL from now until the returned function is called. */
export function cpuSplit(pids: { temporalPid: number; postgresPid: number }): () => CpuSplit {
  const read = () => {
    const r = process.resourceUsage();
    return { node: (r.userCPUTime + r.systemCPUTime) / 1e6, temporal: treeCpuSeconds(pids.temporalPid), postgres: treeCpuSeconds(pids.postgresPid), machine: machineBusySeconds(), threads: threadCpuSeconds() };
  };
  const a = read();
  return () => {
    const b = read();
    return { node: b.node - a.node, temporal: b.temporal - a.temporal, postgres: b.postgres - a.postgres, machine: b.machine - a.machine, threads: threadSplit(a.threads, b.threads) };
  };
}

/** A split divided by `n` and in ms (per case, per request). */
export function perItem(c: CpuSplit, n: number): CpuSplit {
  const ms = (s: number) => (s * 1000) / n;
  const t = c.threads;
  return { node: ms(c.node), temporal: ms(c.temporal), postgres: ms(c.postgres), machine: ms(c.machine), threads: { main: ms(t.main), workflow: ms(t.workflow), core: ms(t.core), other: ms(t.other), mainSys: ms(t.mainSys) } };
}
