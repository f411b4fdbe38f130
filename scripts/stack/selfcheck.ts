/**
 * Manual smoke test of the local-stack helpers:
 *
 *   npx tsx scripts/stack/selfcheck.ts
 *
 * Starts PostgreSQL (/tmp/sg-selfcheck/pg) and the Temporal dev server
 * (/tmp/sg-selfcheck/temporal) on free ports, exercises them, and stops both.
 * State is kept between runs, so a second run proves the reuse paths
 * (existing cluster, existing database, existing namespace + attributes).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { findFreePort, isPidAlive } from './proc.js';
import { startLocalPostgres } from './postgres.js';
import { ensureTemporalCli, ensureTestServer, registerSearchAttributes, startDevServer } from './temporal.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const base = '/tmp/sg-selfcheck';

function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  return f().then((v) => {
    console.log(`[selfcheck] ${label}: ${((Date.now() - t0) / 1000).toFixed(2)} s`);
    return v;
  });
}

async function main(): Promise<void> {
  const stops: Array<() => Promise<void>> = [];
  try {
    // --- PostgreSQL ---
    const pgPort = await findFreePort();
    const pg = await timed('postgres ready', () =>
      startLocalPostgres({ dataDir: `${base}/pg`, port: pgPort, logFile: `${base}/pg.log`, dbNames: ['x'] }),
    );
    stops.push(pg.stop);
    console.log(`[selfcheck] postgres pid=${pg.pid} reused=${pg.reused} url(x)=${pg.url('x')}`);
    // A second start on the same data dir must find the running server and
    // reuse it (on its actual port) instead of starting another.
    const again = await startLocalPostgres({
      dataDir: `${base}/pg`,
      port: await findFreePort(),
      logFile: `${base}/pg.log`,
      dbNames: ['x'],
    });
    if (!again.reused || again.port !== pg.port || again.pid !== pg.pid) {
      throw new Error(`expected reuse of pid ${pg.pid} on ${pg.port}, got pid ${again.pid} on ${again.port}`);
    }
    console.log(`[selfcheck] second startLocalPostgres reused pid ${again.pid} on port ${again.port}`);

    const sql = postgres(pg.url('x'), { max: 1 });
    try {
      const [row] = await sql<{ version: string }[]>`select version()`;
      console.log(`[selfcheck] select version() -> ${row?.version}`);
    } finally {
      await sql.end({ timeout: 5 });
    }

    // --- Temporal ---
    const cli = await timed('ensureTemporalCli', () => ensureTemporalCli(projectRoot));
    console.log(`[selfcheck] temporal cli: ${cli}`);
    const [port, uiPort] = [await findFreePort(), await findFreePort()];
    const dev = await timed('temporal dev server ready', () =>
      startDevServer({
        cli,
        dataDir: `${base}/temporal`,
        port,
        uiPort,
        namespace: 'shenguan',
        logFile: `${base}/temporal.log`,
      }),
    );
    stops.push(dev.stop);
    console.log(`[selfcheck] temporal pid=${dev.pid} address=${dev.address} ui=${dev.uiUrl}`);
    const ui = await fetch(dev.uiUrl);
    console.log(`[selfcheck] web UI -> HTTP ${ui.status}`);

    for (const round of [1, 2]) {
      const r = await timed(`registerSearchAttributes round ${round}`, () =>
        registerSearchAttributes(cli, dev.address, 'shenguan', { SgCreditCode: 'Keyword' }),
      );
      console.log(`[selfcheck] round ${round}: created=[${r.created.join(',')}] existing=[${r.existing.join(',')}]`);
    }

    const testServer = await timed('ensureTestServer', () => ensureTestServer(projectRoot));
    console.log(`[selfcheck] temporal-test-server: ${testServer}`);

    // --- stop ---
    await timed('stop temporal', dev.stop);
    await timed('stop postgres', pg.stop);
    stops.length = 0;
    console.log(`[selfcheck] after stop: temporal alive=${isPidAlive(dev.pid)} postgres alive=${isPidAlive(pg.pid)}`);
    console.log('[selfcheck] OK');
  } finally {
    // On failure, still tear down whatever was started (in reverse order).
    for (const stop of stops.reverse()) await stop().catch((e: unknown) => console.error(e));
  }
}

main().catch((e: unknown) => {
  console.error('[selfcheck] FAILED:', e);
  process.exitCode = 1;
});
