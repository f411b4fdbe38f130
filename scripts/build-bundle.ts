// npm run build:bundle [-- out.js]: the workflow bundle production workers load
// (WORKFLOW_BUNDLE_PATH), built once per release instead of at every worker start.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../runtime/config.js';
import { failureConverterPath } from '../runtime/temporal.js';
import { workflowsPath } from '../runtime/worker.js';
import { workflowInterceptorModules } from '../runtime/tracing.js';

/** Bundles the workflows into `out`; `quiet` keeps webpack's report off the console. Answers its size. */
export async function buildWorkflowBundle(out: string, quiet = false): Promise<number> {
  const logger = quiet ? { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } : undefined;
  // The tracing interceptors run inside the sandbox: a pre-built bundle must carry them (runtime/tracing.ts).
  const { code } = await bundleWorkflowCode({ workflowsPath, logger, failureConverterPath, workflowInterceptorModules });
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, code);
  return code.length;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? path.join(projectRoot, 'dist', 'workflow-bundle.js'));
  const size = await buildWorkflowBundle(out);
  process.stdout.write(`workflow bundle written: ${out} (${(size / 1024).toFixed(0)} KiB)\nrun workers with WORKFLOW_BUNDLE_PATH=${out}\n`);
}
