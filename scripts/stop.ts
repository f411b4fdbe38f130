/**
 * `npm stop`: stops what `npm start` started, from any terminal (.data/stack.json): asks the
 * supervising `npm start` to stop its stack, then stops whatever recorded part still runs —
 * api and worker with SIGTERM (SIGKILL after a grace time), the dev server the same way (in
 * cluster mode the Temporal server and its Web UI, scripts/stack/cluster.ts),
 * PostgreSQL with `pg_ctl stop -m fast`. Without a record, a PostgreSQL running on .data/pg.
 */
import path from 'node:path';
import { livePostmaster, stopLocalPostgres } from './stack/postgres.js';
import { dataRoot, readRecord, stopRecorded } from './stack/record.js';

const say = (msg: string): void => console.log(`[stop] ${msg}`);

async function main(): Promise<void> {
  const rec = readRecord(dataRoot);
  const reused = rec?.reused;
  const stopped = await stopRecorded(dataRoot, say);
  const pgDir = path.join(dataRoot, 'pg');
  if (!rec && livePostmaster(pgDir) && (await stopLocalPostgres(pgDir))) stopped.push('PostgreSQL on .data/pg');
  say(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing running');
  const left = [reused?.temporal && `Temporal at ${reused.temporal}`, reused?.postgres && `PostgreSQL at ${reused.postgres}`].filter(Boolean);
  if (left.length) say(`left running: ${left.join(' and ')} (npm start found it already running)`);
}

main().catch((e: unknown) => {
  console.error('[stop] failed:', e instanceof Error ? e.message : e);
  process.exit(1);
});
