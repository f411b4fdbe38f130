/**
 * `npm stop`: stops what `npm start` started, from any terminal.
 *
 * With .data/stack.json: asks the supervising `npm start` to stop (SIGTERM;
 * it stops api, worker, Temporal, Postgres in order), then stops directly
 * whatever recorded process is still alive — api and worker with SIGTERM and
 * SIGKILL after 10 s, the Temporal dev server the same way, Postgres with
 * `pg_ctl stop -m fast`. Without it: stops a Postgres running on .data/pg and
 * a dev server recorded in .data/temporal.pid, if any.
 */
import path from 'node:path';
import { terminate, waitForExit } from './stack/proc.js';
import {
  API_ENTRY,
  START_ENTRY,
  WORKER_ENTRY,
  devPgDataDir,
  devTemporalPidFile,
  isOurProcess,
  liveDevServer,
  livePostmaster,
  projectRoot,
  readStackRecord,
  removeStackRecord,
  stopGracefully,
  stopLocalPostgres,
  timed,
} from './stack/stack.js';

const rel = (p: string): string => path.relative(projectRoot, p) || p;

async function main(): Promise<void> {
  const stopped: string[] = [];
  const rec = readStackRecord();

  if (rec) {
    const alive = (): string[] =>
      [
        isOurProcess(rec.api?.pid, API_ENTRY) && 'api',
        isOurProcess(rec.worker?.pid, WORKER_ENTRY) && 'worker',
        rec.temporal && isOurProcess(rec.temporal.pid, 'server', 'start-dev') && 'Temporal dev server',
        rec.postgres && livePostmaster(rec.postgres.dataDir)?.pid === rec.postgres.pid && 'PostgreSQL',
      ].filter((x): x is string => Boolean(x));
    if (rec.supervisor !== process.pid && isOurProcess(rec.supervisor, START_ENTRY)) {
      const before = alive();
      await timed(`npm start (pid ${rec.supervisor}) stopped its stack`, async () => {
        process.kill(rec.supervisor, 'SIGTERM');
        if (!(await waitForExit(rec.supervisor, 90_000))) {
          console.log(`[stop] npm start (pid ${rec.supervisor}) did not exit within 90 s; stopping its processes directly`);
          await terminate(rec.supervisor, 5_000);
        }
      }, '[stop]');
      const after = alive();
      stopped.push(`npm start (pid ${rec.supervisor})`, ...before.filter((n) => !after.includes(n)));
    }
    // Whatever is still alive (the supervisor was gone, or did not finish).
    if (isOurProcess(rec.api?.pid, API_ENTRY)) {
      await timed(`api stopped (pid ${rec.api!.pid})`, () => stopGracefully(rec.api!.pid, 10_000), '[stop]');
      stopped.push('api');
    }
    if (isOurProcess(rec.worker?.pid, WORKER_ENTRY)) {
      await timed(`worker stopped (pid ${rec.worker!.pid})`, () => stopGracefully(rec.worker!.pid, 10_000), '[stop]');
      stopped.push('worker');
    }
    if (rec.temporal && isOurProcess(rec.temporal.pid, 'server', 'start-dev')) {
      await timed(`Temporal dev server stopped (pid ${rec.temporal.pid})`, () => terminate(rec.temporal!.pid, 10_000), '[stop]');
      stopped.push('Temporal dev server');
    }
    if (rec.postgres && livePostmaster(rec.postgres.dataDir)?.pid === rec.postgres.pid) {
      await timed(`PostgreSQL stopped (pid ${rec.postgres.pid})`, () => stopLocalPostgres(rec.postgres!.dataDir), '[stop]');
      stopped.push('PostgreSQL');
    }
    removeStackRecord();
    if (rec.reused?.temporal || rec.reused?.postgres) {
      const what = [rec.reused.temporal && `Temporal at ${rec.reused.temporal}`, rec.reused.postgres && 'PostgreSQL']
        .filter(Boolean)
        .join(' and ');
      console.log(`[stop] left running: ${what} (npm start found it already running)`);
    }
  } else {
    const pg = livePostmaster(devPgDataDir);
    if (pg) {
      await timed(`PostgreSQL on ${rel(devPgDataDir)} stopped (pid ${pg.pid})`, () => stopLocalPostgres(devPgDataDir), '[stop]');
      stopped.push('PostgreSQL');
    }
    const temporalPid = liveDevServer(devTemporalPidFile);
    if (temporalPid) {
      await timed(`Temporal dev server stopped (pid ${temporalPid})`, () => terminate(temporalPid, 10_000), '[stop]');
      stopped.push('Temporal dev server');
    }
  }

  console.log(stopped.length ? `[stop] stopped: ${stopped.join(', ')}` : '[stop] nothing running');
}

main().catch((e: unknown) => {
  console.error('[stop] failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
