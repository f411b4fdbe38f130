// npm run build:bundle [-- out.js]: the workflow bundle production workers load
// (WORKFLOW_BUNDLE_PATH), built once per release instead of at every worker start.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../runtime/config.js';
import { workflowsPath } from '../runtime/worker.js';

const out = path.resolve(process.argv[2] ?? path.join(projectRoot, 'dist', 'workflow-bundle.js'));
const { code } = await bundleWorkflowCode({ workflowsPath });
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, code);
process.stdout.write(`workflow bundle written: ${out} (${(code.length / 1024).toFixed(0)} KiB)\nrun workers with WORKFLOW_BUNDLE_PATH=${out}\n`);
