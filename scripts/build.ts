// npm run build [-- --out <dir>]: the production build (docs/production.md), run by plain node
// with no tsx:
//   <out>/api/server.js, <out>/runtime/worker.js, <out>/scripts/migrate.js  compiled by tsc (tsconfig.build.json)
//   <out>/db/migrations/                                                    the SQL migrations, beside db/migrate.js
//   <out>/runtime/failure-converter.cjs                                     loaded by path by clients, workers and the bundle
//   <out>/workflow-bundle.js                                                the workflows, bundled once (the worker's default)
// temporal.yaml and .data/ stay at the package root, which the compiled code finds as the
// source does (runtime/config.ts projectRoot). <out> defaults to dist/ and must lie inside the package.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../runtime/config.js';
import { buildWorkflowBundle } from './build-bundle.js';

export async function build(out = path.join(projectRoot, 'dist'), quiet = false): Promise<void> {
  const say = (msg: string) => quiet || process.stdout.write(`[build] ${msg}\n`);
  if (path.relative(projectRoot, out).startsWith('..')) throw new Error(`--out ${out}: must lie inside ${projectRoot}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = Date.now();
  const tsc = spawnSync(process.execPath, [path.join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(projectRoot, 'tsconfig.build.json'), '--outDir', out], { cwd: projectRoot, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status})${quiet ? `:\n${tsc.stdout}${tsc.stderr}` : ''}`);
  say(`compiled to ${path.relative(process.cwd(), out) || '.'}/ (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  cpSync(path.join(projectRoot, 'db', 'migrations'), path.join(out, 'db', 'migrations'), { recursive: true });
  cpSync(path.join(projectRoot, 'runtime', 'failure-converter.cjs'), path.join(out, 'runtime', 'failure-converter.cjs'));
  const size = await buildWorkflowBundle(path.join(out, 'workflow-bundle.js'), true);
  say(`workflow bundle ${path.relative(process.cwd(), path.join(out, 'workflow-bundle.js'))} (${(size / 1024).toFixed(0)} KiB, ${((Date.now() - t0) / 1000).toFixed(1)} s in all)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  await build(values.out ? path.resolve(values.out) : undefined);
  process.stdout.write('run: npm run migrate:prod, then npm run start:prod:api and npm run start:prod:worker (node dist/api/server.js, node dist/runtime/worker.js)\n');
}
