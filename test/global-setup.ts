// Runs once before all test files: builds the workflow bundle (tests reuse it instead of
// bundling per worker) and seeds the demo catalog into the fresh test database.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { projectRoot } from '../runtime/config.js';
import { workflowsPath } from '../runtime/worker.js';
import { seedDemo } from '../scripts/seed.js';

export const bundlePath = path.join(process.env.TEST_RUN_DIR ?? path.join(projectRoot, '.data', 'test'), 'workflow-bundle.js');

export default async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run the tests with `npm test`');
  await seedDemo(process.env.DATABASE_URL);
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error } });
  await mkdir(path.dirname(bundlePath), { recursive: true });
  await writeFile(bundlePath, code);
}
