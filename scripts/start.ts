/**
 * `npm start [-- --cluster]`: the whole local stack in the foreground (scripts/stack/stack.ts),
 * until Ctrl-C or `npm stop` from another terminal.
 *
 *   Temporal   whatever listens on temporal.yaml's `address`, else `temporal server start-dev`
 *              (SQLite under devServer.dataDir, UI on devServer.uiPort) with the search attributes;
 *              with --cluster, the real server instead (scripts/stack/cluster.ts, docs/cluster.md):
 *              built once, PostgreSQL persistence in the databases temporal and
 *              temporal_visibility of the local PostgreSQL, config in .data/temporal-cluster,
 *              frontend on devServer.port, its Web UI on devServer.uiPort.
 *   PostgreSQL DATABASE_URL if set, else a local cluster in .data/pg on port 5433
 *              (PGPORT_LOCAL), database `shenguan`; reused if it runs already.
 *   then       migrations, demo seed, dev JWT signing key, worker and API, their output
 *              prefixed on the terminal and in .data/logs/.
 *
 * What it started is recorded in .data/stack.json and stopped on exit (api, worker, Temporal,
 * PostgreSQL); the data stays, so the next `npm start` finds every earlier case. While an
 * earlier `npm start` runs, this one prints its URLs and leaves it be; what a killed one left
 * running is stopped first.
 */
import path from 'node:path';
import { ConfigError, loadConfigOrExit } from '../runtime/config.js';
import { isPidAlive, isPortOpen, sleep } from './stack/proc.js';
import { livePostmaster } from './stack/postgres.js';
import { dataRoot, liveParts, projectRoot, readRecord, stopRecorded, supervisorAlive, type StackRecord } from './stack/record.js';
import { Interrupted, startStack, type Stack } from './stack/stack.js';

const say = (msg: string): void => console.log(`[stack] ${msg}`);

function banner(title: string, urls: StackRecord['urls']): void {
  console.log(
    [
      '',
      `  ${title}`,
      '',
      `    API           ${urls.api}`,
      `    API docs      ${urls.docs}`,
      `    Temporal UI   ${urls.temporalUi}`,
      `    PostgreSQL    ${urls.database}`,
      ...(urls.workerMetrics ? [`    Worker        ${urls.workerMetrics}  (Prometheus: the Temporal SDK's metrics, the deadline lag)`] : []),
      '',
      '    Get a token:  npm run token -- --role approval --department <code>',
      '    Stop:         Ctrl-C in the terminal running `npm start`, or `npm stop`',
      `    Logs:         ${path.relative(process.cwd(), path.join(dataRoot, 'logs'))}/`,
      '',
    ].join('\n'),
  );
}

/** True when an earlier `npm start` still runs (its URLs are printed); else stops what a dead one left. */
async function earlierStack(): Promise<boolean> {
  const rec = readRecord(dataRoot);
  if (!rec) return false;
  if (supervisorAlive(rec)) {
    say(`an earlier npm start (pid ${rec.supervisor.pid}) is ${rec.ready ? 'running' : 'starting'}; reusing it, not starting another`);
    if (rec.ready) banner('shenguan is already running', rec.urls);
    return true;
  }
  const parts = liveParts(rec).map((p) => p.name);
  if (parts.includes('api') && parts.includes('worker')) {
    banner(`shenguan is already running (npm start of ${rec.startedAt}, whose supervisor is gone: stop it with \`npm stop\`)`, rec.urls);
    return true;
  }
  const stopped = await stopRecorded(dataRoot, say);
  if (stopped.length) say(`stopped what an earlier npm start left running: ${stopped.join(', ')}`);
  return false;
}

/** Resolves when the stack should go down: a signal, the worker or API exiting, a server dying. */
async function untilStop(stack: Stack, exited: () => string | undefined): Promise<number> {
  const pgDir = stack.ownPostgresDir;
  for (;;) {
    await sleep(500);
    if (stack.interrupted()) return 0;
    const why =
      exited() ??
      (stack.temporalPid && !isPidAlive(stack.temporalPid) ? `the Temporal ${stack.cluster ? 'server' : 'dev server'} exited` : undefined) ??
      (pgDir && !livePostmaster(pgDir) ? 'PostgreSQL exited' : undefined);
    if (why) {
      say(`${why} (logs in .data/logs/); stopping the stack`);
      return 1;
    }
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--cluster');
  if (unknown.length) {
    say(`unknown argument ${unknown.join(' ')}; usage: npm start [-- --cluster]`);
    return 64;
  }
  const cluster = args.includes('--cluster');
  const config = loadConfigOrExit();
  if (await earlierStack()) process.exit(0);
  const { PORT, HOST, DATABASE_URL } = config.env;
  if (await isPortOpen(['0.0.0.0', '::'].includes(HOST) ? '127.0.0.1' : HOST, PORT)) {
    say(`port ${PORT} is already in use by another program; stop it or start with PORT=<other port>`);
    return 1;
  }
  const pgPort = Number(process.env.PGPORT_LOCAL?.trim() || 5433);
  if (!Number.isInteger(pgPort) || pgPort < 1 || pgPort > 65535) {
    say(`environment: PGPORT_LOCAL: not a port: ${process.env.PGPORT_LOCAL}`);
    return 78;
  }
  const t = config.temporal;
  let exited: string | undefined;
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      dir: dataRoot,
      name: 'stack',
      signals: 'flag',
      echo: true,
      postgres: DATABASE_URL ? { database: 'shenguan', url: DATABASE_URL } : { database: 'shenguan', port: pgPort },
      migrate: true,
      seed: true,
      // The UI decodes the encrypted payloads through the API's codec server (runtime/codec.ts).
      temporal: {
        engine: cluster ? 'cluster' : 'dev',
        address: t.address,
        port: t.devServer.port,
        uiPort: t.devServer.uiPort,
        dataDir: cluster ? path.join(dataRoot, 'temporal-cluster') : path.resolve(projectRoot, t.devServer.dataDir),
        namespace: t.namespace,
        codecEndpoint: `http://${['0.0.0.0', '::'].includes(HOST) ? '127.0.0.1' : HOST}:${PORT}/codec`,
      },
      worker: true,
      // 9464: the usual Prometheus exporter port; a free one when it is taken.
      workerMetrics: { port: 9464 },
      api: { port: PORT, host: HOST },
      // The keys outlive the run: the next npm start reads every earlier case.
      // The dev server's UI has no login: the local demo's codec server answers it without a token.
      env: { NODE_ENV: 'development', CODEC_ALLOW_ANONYMOUS: 'true', JWT_DEV_KEY_FILE: config.env.JWT_DEV_KEY_FILE, PAYLOAD_DEV_KEY_FILE: config.env.PAYLOAD_DEV_KEY_FILE },
      onExit: (app) => (exited ??= app.exitError()?.message.split(';')[0] ?? `the ${app.name} exited`),
    });
    const urls = { api: stack.apiUrl, docs: `${stack.apiUrl}/docs`, temporalUi: stack.temporalUiUrl, database: stack.databaseUrl.replace(/:[^:@/]*@/, ':***@'), ...(stack.workerMetricsUrl && { workerMetrics: stack.workerMetricsUrl }) };
    stack.save({ ready: true, urls });
    banner(`shenguan is running${cluster ? ' (cluster mode: the Temporal server on PostgreSQL)' : ''}`, urls);
    return await untilStop(stack, () => exited);
  } catch (e) {
    if (e instanceof Interrupted) return 0;
    say(`start-up failed: ${e instanceof ConfigError ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return e instanceof ConfigError ? 78 : 1;
  } finally {
    await stack?.stop();
  }
}

main().then(
  (code) => {
    say(code === 0 ? 'stopped' : 'stopped after an error');
    process.exit(code);
  },
  (e: unknown) => {
    console.error('[stack] unexpected error:', e);
    process.exit(1);
  },
);
