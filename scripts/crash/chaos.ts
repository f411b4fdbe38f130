// The chaos loop: while the driver runs cases, SIGKILL the worker at random moments (seeded)
// and restart it after a short pause; restart the Temporal dev server and PostgreSQL a planned
// number of times, spread over the run by progress so they always land while cases are in
// flight. One action at a time. After a server restart it checks that the API and the worker
// come back by themselves (API /readyz, worker polling the task queue) and restarts a process
// that does not, on the record: such a process is a finding to report.
import { waitApiReady, waitWorkerPolling, type CrashStack } from './stack.js';
import type { Rng } from './rng.js';
import { sleep } from '../stack/proc.js';

/** Durations in ms, uniform in [min, max]: the pause between worker kills, how long the worker, Temporal and PostgreSQL stay down. */
export interface ChaosPlan {
  killEveryMs: [number, number];
  workerDownMs: [number, number];
  temporalDownMs: [number, number];
  postgresDownMs: [number, number];
  temporalRestarts: number;
  postgresRestarts: number;
  /** Upper bound on worker kills (Infinity: as many as the run lasts). */
  maxKills?: number;
  /**
   * Lower bound on worker kills, whatever the run's speed: besides the timed kills, the worker
   * is killed when the driver's progress passes each of `minKills` thresholds spread over the
   * run (a kill by the clock moves the thresholds on). Default 0.
   */
  minKills?: number;
}

/** `recoveryMs`: until the restarted part answered again. */
export type ChaosEvent = { at: number; action: 'worker-kill' | 'temporal-restart' | 'postgres-restart' | 'worker-restart' | 'api-restart'; detail: string; recoveryMs?: number };

/**
 * `workerSelfExits`: worker started again because it exited by itself (not killed by us);
 * `findings`: what did not recover by itself, or a chaos action that failed.
 */
export type ChaosFigures = Record<'kills' | 'temporalRestarts' | 'postgresRestarts' | 'apiRestarts' | 'workerSelfExits', number> & { events: ChaosEvent[]; findings: Array<{ at: number; what: string }> };

const API_RECOVERY_MS = 30_000;
const WORKER_RECOVERY_MS = 60_000;

export class Chaos {
  readonly figures: ChaosFigures = { kills: 0, temporalRestarts: 0, postgresRestarts: 0, apiRestarts: 0, workerSelfExits: 0, events: [], findings: [] };
  private stopRequested = false;
  private wake: () => void = () => {};
  private readonly temporalAt: number[];
  private readonly postgresAt: number[];
  private readonly killAt: number[];
  private seenUnexpected = 0;

  constructor(
    private readonly crash: CrashStack,
    private readonly plan: ChaosPlan,
    private readonly rng: Rng,
    private readonly progress: () => number,
    private readonly log: (msg: string) => void,
  ) {
    // Progress thresholds at which the server restarts happen, interleaved and jittered.
    const spread = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => Math.min(0.9, 0.05 + (0.8 * (i + offset)) / n + rng.between(-0.03, 0.03)));
    this.temporalAt = spread(plan.temporalRestarts, 0.3);
    this.postgresAt = spread(plan.postgresRestarts, 0.7);
    this.killAt = spread(Math.min(plan.minKills ?? 0, plan.maxKills ?? Infinity), 0.5);
  }

  stop(): void {
    this.stopRequested = true;
    this.wake();
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((r) => (this.wake = r))]);
  }

  /**
   * Runs until stop(); each action finishes (the stack is whole again) before the next. Worker
   * kills come every `killEveryMs` of wall time, and also whenever progress passes the next of
   * the `minKills` thresholds, so a fast run still sees its minimum of kills while cases are
   * in flight (the clock alone once gave 2 kills to a run that finished in 22 s).
   */
  async run(): Promise<void> {
    let nextKill = Date.now() + this.rng.between(...this.plan.killEveryMs);
    while (!this.stopRequested) {
      await this.pause(200);
      if (this.stopRequested) break;
      await this.superviseProcesses();
      const p = this.progress();
      try {
        if (this.figures.temporalRestarts < this.plan.temporalRestarts && p >= this.temporalAt[this.figures.temporalRestarts]!) {
          await this.restartServer('temporal');
        } else if (this.figures.postgresRestarts < this.plan.postgresRestarts && p >= this.postgresAt[this.figures.postgresRestarts]!) {
          await this.restartServer('postgres');
        } else if (this.figures.kills < (this.plan.maxKills ?? Infinity) && (Date.now() >= nextKill || (this.figures.kills < this.killAt.length && p >= this.killAt[this.figures.kills]!))) {
          await this.killWorker();
          nextKill = Date.now() + this.rng.between(...this.plan.killEveryMs);
        }
      } catch (e) {
        this.finding(`chaos action failed: ${(e as Error).message.split('\n')[0]}`);
        // Whatever happened, make sure the stack is complete again before going on.
        await this.superviseProcesses();
      }
    }
  }

  private finding(what: string): void {
    this.figures.findings.push({ at: Date.now(), what });
    this.log(`FINDING: ${what}`);
  }

  private event(action: ChaosEvent['action'], detail: string, recoveryMs?: number): void {
    this.figures.events.push({ at: Date.now(), action, detail, recoveryMs });
  }

  /** A worker or API that exited by itself is started again (and was reported by the stack). */
  private async superviseProcesses(): Promise<void> {
    const { stack, exits } = this.crash;
    for (; this.seenUnexpected < exits.length; this.seenUnexpected++) {
      const x = exits[this.seenUnexpected]!;
      this.finding(`the ${x.name} (pid ${x.pid}) exited by itself (${x.why})`);
      if (x.name === 'worker') this.figures.workerSelfExits++;
    }
    if (stack.worker?.gone() ?? true) {
      await sleep(500);
      const { pid } = await stack.startWorker();
      this.event('worker-restart', `worker started again (pid ${pid}) after it exited by itself`);
    }
    if (stack.api?.gone() ?? true) {
      await stack.startApi();
      this.figures.apiRestarts++;
      const ok = await waitApiReady(this.crash, 60_000);
      this.event('api-restart', `API started again after it exited by itself${ok ? '' : '; not ready after 60 s'}`);
    }
  }

  private async killWorker(): Promise<void> {
    const { stack } = this.crash;
    const pid = stack.worker?.pid;
    await stack.worker?.kill();
    this.figures.kills++;
    const down = this.rng.between(...this.plan.workerDownMs);
    await sleep(down);
    const next = await stack.startWorker();
    this.event('worker-kill', `SIGKILL worker pid ${pid}, down ${(down / 1000).toFixed(1)} s, new pid ${next.pid}`);
  }

  /** Restarts Temporal (SIGKILL, then SIGTERM, alternating: the first one a crash) or PostgreSQL (an immediate shutdown). */
  private async restartServer(server: 'temporal' | 'postgres'): Promise<void> {
    const temporal = server === 'temporal';
    const signal = this.figures.temporalRestarts % 2 === 0 ? 'SIGKILL' : 'SIGTERM';
    const down = this.rng.between(...(temporal ? this.plan.temporalDownMs : this.plan.postgresDownMs));
    const [how, secs, t0] = [temporal ? signal : 'pg_ctl stop -m immediate', (ms: number) => (ms / 1000).toFixed(1), Date.now()];
    this.log(`restarting ${temporal ? 'the Temporal dev server' : 'PostgreSQL'} (${how}, down ${secs(down)} s) at ${(this.progress() * 100).toFixed(0)} % progress`);
    if (temporal) await this.crash.stack.restartTemporal({ signal, downMs: down });
    else await this.crash.stack.restartPostgres({ mode: 'immediate', downMs: down });
    this.figures[temporal ? 'temporalRestarts' : 'postgresRestarts']++;
    const back = Date.now() - t0;
    const recovery = await this.checkRecovery(`${temporal ? 'Temporal' : 'PostgreSQL'} restart`);
    this.event(`${server}-restart`, `${how}, down ${secs(down)} s, serving again after ${secs(back)} s`, recovery);
  }

  /**
   * After a server restart: the API must answer /readyz and the worker must poll again by
   * themselves. A process that does not is restarted, and that is a finding.
   */
  private async checkRecovery(after: string): Promise<number> {
    const t0 = Date.now();
    const { stack } = this.crash;
    if (!(await waitApiReady(this.crash, API_RECOVERY_MS))) {
      this.finding(`the API (pid ${stack.api?.pid}) did not become ready within ${API_RECOVERY_MS / 1000} s after the ${after}; restarting it`);
      await stack.api?.kill();
      await stack.startApi();
      this.figures.apiRestarts++;
      if (!(await waitApiReady(this.crash, 60_000))) this.finding(`the restarted API is not ready either after the ${after}`);
    }
    await this.superviseProcesses();
    const polled = await waitWorkerPolling(this.crash, WORKER_RECOVERY_MS);
    if (polled === null) {
      if (stack.worker?.gone() ?? true) {
        await this.superviseProcesses();
      } else {
        this.finding(`the worker (pid ${stack.worker?.pid}) did not poll the task queue within ${WORKER_RECOVERY_MS / 1000} s after the ${after}; killing and restarting it`);
        await stack.worker?.kill();
        await stack.startWorker();
        this.event('worker-restart', `worker restarted after it did not recover from the ${after}`);
      }
    }
    return Date.now() - t0;
  }
}
