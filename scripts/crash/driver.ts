// The HTTP driver: runs cases of the training region over the API, the way clerks and
// inspectors would, while the chaos loop kills and restarts things under it. Each case goes one
// of the paths of paths.ts (compliant, or revocation), a small state machine read from
// GET /v1/applications/<no>: submit when the case does not exist, else the path's next move
// from what the case shows, until the case ends as its path expects. Every request is retried
// on connection errors, timeouts and 5xx (the API, PostgreSQL or Temporal may be restarting).
// Every step is idempotent by design, so a step that landed although its answer was lost is
// simply seen as done on the next read, or refused with 409 (already decided, already claimed,
// already revoked), which counts as done too: the read model catches up.
import { creditCodeCheckChar } from '../../workflows/domain/credit-code.js';
import type { Rng } from './rng.js';
import { nextMove, pathOf, PATHS, taskIdOf, type CaseView, type PathName, type Request, type Step } from './paths.js';
import { apiRequest, sleep } from '../stack/proc.js';

export type { PathName, Step } from './paths.js';

export interface CaseRecord {
  applicationNo: string;
  path: PathName;
  taskId: string;
  creditCode: string;
  startedAt: number;
  /** When the driver first saw each step done (ms since epoch). */
  steps: Partial<Record<Step, number>>;
  /** 409 answers taken as "already done". */
  conflicts: number;
  /** The last answer that was not a success, for the diagnosis of a case that does not end. */
  lastRefusal?: string;
  error?: string;
}

/** Requests and their outcomes; `unexpected`: answers no step expects (400, 403, 404 on an action, 422), a bug in the driver or the API. */
export type DriverStats = Record<'requests' | 'networkErrors' | 'timeouts' | 'serverErrors' | 'conflicts' | 'unexpected', number> & { samples: string[] };

export class Stopped extends Error {}

type Answer = { status: number; json: unknown; text: string };

/** A fresh valid unified social credit code (the logic of test/helpers.ts freshCreditCode, seeded). */
export function creditCodeFrom(rng: Rng): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  let body = '91320700';
  for (let i = 0; i < 9; i++) body += alphabet[Math.floor(rng.next() * alphabet.length)];
  return body + creditCodeCheckChar(body);
}

/**
 * `prefix` of the application numbers, in the approval department's own space (TR-SPJ-CT42); `deadline`: absolute time (ms) the driver gives up
 * at; `stopped`: checked before every request (Ctrl-C, a failed chaos action); `stallMs`: a case
 * without progress for this long is given up as stuck. `claimWhen` 'inbox' (default): claim as
 * soon as the task is in the division's inbox (the read model), as an inspector watching it
 * does; 'notified': once the claim SMS is on the task's trail, as one acting on the SMS does.
 * `seed` and `revocationEvery`: which cases take the revocation path (paths.ts pathOf).
 * `tokens`: the approval clerk's, and each path's inspector's (its own department and division).
 */
export interface DriveOptions {
  baseUrl: string;
  tokens: { approver: string; inspector: Record<PathName, string> };
  cases: number;
  seed: number;
  revocationEvery: number;
  concurrency: number;
  rng: Rng;
  prefix: string;
  deadline: number;
  stopped: () => boolean;
  stallMs: number;
  claimWhen?: 'inbox' | 'notified';
  log: (msg: string) => void;
}

export class Driver {
  readonly stats: DriverStats = { requests: 0, networkErrors: 0, timeouts: 0, serverErrors: 0, conflicts: 0, unexpected: 0, samples: [] };
  readonly cases: CaseRecord[] = [];
  private stepsDone = 0;
  private readonly stepsTotal: number;

  constructor(private readonly o: DriveOptions) {
    const codes = new Set<string>();
    for (let i = 1; i <= o.cases; i++) {
      let code = creditCodeFrom(o.rng);
      while (codes.has(code)) code = creditCodeFrom(o.rng);
      codes.add(code);
      const applicationNo = `${o.prefix}-${String(i).padStart(4, '0')}`;
      const path = pathOf(i - 1, o.seed, o.revocationEvery);
      this.cases.push({ applicationNo, path, taskId: taskIdOf(applicationNo, path), creditCode: code, startedAt: 0, steps: {}, conflicts: 0 });
    }
    this.stepsTotal = this.cases.reduce((n, c) => n + PATHS[c.path].steps.length, 0);
  }

  /** Share of all steps of all cases done, 0..1. */
  progress(): number {
    return this.stepsDone / this.stepsTotal;
  }

  /** Cases that ended as their path expects (closed, or revoked and closed). */
  closed(): number {
    return this.cases.filter((c) => c.steps.closed).length;
  }

  /** Runs every case, at most `concurrency` at a time; resolves when each is closed or failed. */
  async run(): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < this.cases.length && !this.o.stopped() && Date.now() < this.o.deadline) {
        const c = this.cases[next++]!;
        try {
          await this.drive(c);
        } catch (e) {
          c.error = e instanceof Stopped ? `stopped: ${e.message}` : (e as Error).message;
          if (!(e instanceof Stopped)) this.o.log(`case ${c.applicationNo} failed: ${c.error}`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, this.cases.length) }, lane));
  }

  private mark(c: CaseRecord, ...steps: Step[]): void {
    for (const s of steps) {
      if (c.steps[s]) continue;
      c.steps[s] = Date.now();
      this.stepsDone++;
    }
  }

  /** The per-case helpers of drive(): progress watch, polling pause, and the judgement of an answer. */
  private caseRun(c: CaseRecord) {
    let idle = 0; // consecutive polls without progress: the wait grows a little
    let unexpected = 0;
    let [lastProgress, stepsBefore] = [Date.now(), 0];
    const wait = async (): Promise<void> => {
      idle++;
      await sleep(Math.min(2000, 300 + idle * 150) * (0.75 + Math.random() / 2));
    };
    return {
      wait,
      stalled: (): void => {
        const done = Object.keys(c.steps).length;
        if (done !== stepsBefore) [stepsBefore, lastProgress] = [done, Date.now()];
        else if (Date.now() - lastProgress > this.o.stallMs) {
          const at = PATHS[c.path].steps.find((s) => !c.steps[s]) ?? 'closed';
          throw new Error(`stuck: no progress for ${Math.round(this.o.stallMs / 1000)} s before step '${at}' (${c.path} path)${c.lastRefusal ? `; last refusal: ${c.lastRefusal}` : ''}`);
        }
      },
      expect: async (what: string, a: Answer): Promise<void> => {
        if (a.status === 200 || a.status === 201) {
          idle = 0;
          return;
        }
        c.lastRefusal = `${what}: HTTP ${a.status} ${(a.json as { detail?: string } | null)?.detail ?? a.text.slice(0, 200)}`;
        if (a.status === 409) {
          // Already decided / claimed / revoked, or not yet in that state: the next read tells.
          c.conflicts++;
          this.stats.conflicts++;
          return wait();
        }
        unexpected++;
        this.stats.unexpected++;
        this.sample(`${c.applicationNo} ${what}: HTTP ${a.status} ${a.text.slice(0, 300)}`);
        if (unexpected >= 20) throw new Error(`${what}: ${unexpected} unexpected answers, last HTTP ${a.status} ${a.text.slice(0, 300)}`);
        await sleep(1000);
      },
    };
  }

  private async drive(c: CaseRecord): Promise<void> {
    c.startedAt = Date.now();
    const { approver } = this.o.tokens;
    const run = this.caseRun(c);
    for (;;) {
      run.stalled();
      const got = await this.call('GET', `/v1/applications/${c.applicationNo}`, approver, undefined, 15_000);
      if (got.status === 404) {
        await run.expect('submit', await this.call('POST', '/v1/applications', approver, PATHS[c.path].submission(c.applicationNo, c.creditCode), 60_000));
        continue;
      }
      if (got.status !== 200) {
        await run.expect('read case', got);
        continue;
      }
      const move = nextMove(c, got.json as CaseView);
      this.mark(c, ...move.done);
      if (move.next === 'finished') return;
      await (move.next === 'wait' ? run.wait() : this.step(c, move.next, run));
    }
  }

  /** One request of the case's path, as its approver or its inspector; a claim waits for the SMS when told to. */
  private async step(c: CaseRecord, r: Request, run: ReturnType<Driver['caseRun']>): Promise<void> {
    if (r.what === 'claim' && this.o.claimWhen === 'notified' && !(await this.notified(c))) return run.wait();
    const token = r.as === 'approver' ? this.o.tokens.approver : this.o.tokens.inspector[c.path];
    await run.expect(r.what, await this.call('POST', r.path, token, r.body, 60_000));
  }

  /** True once the claim SMS of the case's task is on the task's trail. */
  private async notified(c: CaseRecord): Promise<boolean> {
    const r = await this.call('GET', `/v1/tasks/${c.taskId}`, this.o.tokens.inspector[c.path], undefined, 15_000);
    const history = (r.json as { history?: Array<{ kind: string }> } | null)?.history ?? [];
    return r.status === 200 && history.some((h) => h.kind === 'notification-sent');
  }

  /**
   * One request, retried until it gets an answer below 500 (connection errors, timeouts, 5xx,
   * 429). A body given as a function is built again for each attempt (a deadline stays ahead).
   */
  async call(method: 'GET' | 'POST', path: string, token: string, body: unknown, timeoutMs: number): Promise<Answer> {
    for (let attempt = 0; ; attempt++) {
      if (this.o.stopped()) throw new Stopped('driver stopped');
      if (Date.now() > this.o.deadline) throw new Error(`deadline passed during ${method} ${path}`);
      this.stats.requests++;
      try {
        const res = await apiRequest(`${this.o.baseUrl}${path}`, token, method, typeof body === 'function' ? (body as () => unknown)() : body, timeoutMs);
        if (res.status < 500 && res.status !== 429) return res;
        this.stats.serverErrors++;
        if (this.stats.serverErrors <= 5) this.sample(`${method} ${path}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
      } catch (e) {
        const err = e as Error;
        if (err.name === 'TimeoutError' || err.name === 'AbortError') this.stats.timeouts++;
        else this.stats.networkErrors++;
      }
      await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random()));
    }
  }

  private sample(s: string): void {
    if (this.stats.samples.length < 20) this.stats.samples.push(s);
  }
}
