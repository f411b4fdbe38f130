/**
 * `npm test [-- vitest args]`: a private stack for the run (scripts/stack/stack.ts), apart
 * from anything `npm start` runs: under .data/test/run-<pid> (run dirs of dead runs are
 * cleared first), PostgreSQL with fsync off and a fresh migrated database `shenguan_test`, a
 * dev server on free ports with the search attributes registered, the time-skipping test
 * server, and beside them the real Temporal server on the same PostgreSQL (cluster mode,
 * scripts/stack/cluster.ts; built once per machine, docs/cluster.md) for test/cluster/. Then
 * `vitest run [args]` with the stack's environment (DATABASE_URL, TEMPORAL_ADDRESS,
 * TEMPORAL_CLUSTER_ADDRESS, TEMPORAL_TEST_SERVER_PATH, TEMPORAL_CLI_PATH, JWT_DEV_KEY_FILE,
 * TEST_RUN_DIR), NODE_ENV=test and LOG_LEVEL warn unless set. The stack is stopped afterwards,
 * also on Ctrl-C; the exit code is vitest's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { newRunDir, projectRoot } from './stack/record.js';
import { Interrupted, startStack, type Stack } from './stack/stack.js';
import { findFreePort, run, runChild, timed, withHeartbeat } from './stack/proc.js';

const say = (msg: string): void => console.log(`[test] ${msg}`);

/**
 * The Temporal UI test drives Debian's Chromium (a test tool's own browser download does not
 * work here), and a CJK font lets its screenshots show the Chinese case data: installed with
 * apt-get when missing and running as root, else the UI test fails saying what is missing.
 * The monthly report's test reads the PDF it prints with poppler-utils (pdfinfo, pdftotext).
 */
async function ensureChromium(): Promise<void> {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (fs.existsSync(chromium) && fs.existsSync('/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc') && fs.existsSync('/usr/bin/pdftotext')) return;
  if (process.getuid?.() !== 0) return say(`Chromium (${chromium}), a CJK font or poppler-utils is missing and this is not root: install chromium, fonts-wqy-zenhei and poppler-utils`);
  say('Chromium, a CJK font or poppler-utils is missing; installing chromium, fonts-wqy-zenhei and poppler-utils (apt-get) ...');
  // Asynchronously, so the stack starts meanwhile and the heartbeat gets its turns.
  await timed('[test]', 'Chromium, a CJK font and poppler-utils installed (apt-get)', () =>
    withHeartbeat('[test]', 'installing chromium, fonts-wqy-zenhei and poppler-utils (apt-get)', async () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const update = await run('apt-get', ['update', '-qq'], { env, timeoutMs: 10 * 60_000 });
      const install = update.code === 0 ? await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium', 'fonts-wqy-zenhei', 'poppler-utils'], { env, timeoutMs: 15 * 60_000 }) : update;
      if (install.code !== 0) throw new Error(`apt-get install chromium fonts-wqy-zenhei poppler-utils failed (exit ${install.code}): ${install.stderr.slice(-2000)}`);
    }),
  );
}

async function main(): Promise<number> {
  const dir = await newRunDir('test');
  const t0 = Date.now();
  let stack: Stack | undefined;
  try {
    // Side by side with the stack; its failure is reported once the stack is up (and stopped in the end).
    const chromium = ensureChromium().then(() => undefined, (e: Error) => e);
    // The UI test serves the codec (api/routes/codec.ts) on this port, and the dev server's UI
    // decodes the encrypted payloads through it, as operators' UIs do.
    const codecPort = await findFreePort();
    stack = await startStack({
      dir,
      name: 'test',
      ephemeral: true,
      signals: 'flag',
      // Room for the Temporal server's pools beside the tests' own.
      postgres: { database: 'shenguan_test', fast: true, fresh: true, settings: { max_connections: 200 } },
      migrate: true,
      temporal: { codecEndpoint: `http://127.0.0.1:${codecPort}/codec` },
      // Started side by side with the dev server: it adds seconds, not minutes (once built).
      cluster: { codecEndpoint: `http://127.0.0.1:${codecPort}/codec` },
      testServer: true,
      env: { NODE_ENV: 'test', LOG_LEVEL: process.env.LOG_LEVEL || 'warn', TEST_RUN_DIR: dir, CODEC_TEST_PORT: String(codecPort) },
    });
    const failed = await chromium;
    if (failed) throw failed;
    say(`test stack ready (${((Date.now() - t0) / 1000).toFixed(1)} s); logs in ${path.relative(process.cwd(), stack.logsDir)}/`);
    return await runChild(path.join(projectRoot, 'node_modules', '.bin', 'vitest'), ['run', ...process.argv.slice(2)], { cwd: projectRoot, env: stack.env });
  } catch (e) {
    if (e instanceof Interrupted) return 130;
    console.error(`[test] set-up failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  } finally {
    await stack?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error('[test] unexpected error:', e);
    process.exit(1);
  },
);
