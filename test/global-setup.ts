// Runs once before all test files: builds the workflow bundle (tests reuse it instead of
// bundling per worker) and seeds the demo catalog into the fresh test database.
import path from 'node:path';
import { projectRoot } from '../runtime/config.js';
import { buildWorkflowBundle } from '../scripts/build-bundle.js';
import { seedDemo } from '../scripts/seed.js';

export const bundlePath = path.join(process.env.TEST_RUN_DIR ?? path.join(projectRoot, '.data', 'test'), 'workflow-bundle.js');

export default async function setup(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL is not set: run the tests with `npm test`');
  await seedDemo(process.env.DATABASE_URL);
  // The production bundle's options (the failure converter among them): tests run what ships.
  await buildWorkflowBundle(bundlePath, true);
}
