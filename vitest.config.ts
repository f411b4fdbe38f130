import { defineConfig } from 'vitest/config';

// Run through `npm test` (scripts/test.ts), which brings up the test PostgreSQL and Temporal
// dev server and passes their addresses in the environment.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // One file at a time: a 2-core machine, and the files share one Postgres and one dev server.
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    // The tests' payload key (runtime/codec.ts): fixed, so the recorded histories in
    // test/histories/ replay in any clone. Test data only; never a key of a real deployment.
    env: { PAYLOAD_KEYS: `test-fixture:${Buffer.from('shenguan-test-fixture-payload-k!').toString('base64')}` },
  },
});
