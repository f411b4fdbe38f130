// Lint rules that protect the workflow sandbox (STYLE.md §1): workflow code must be
// deterministic, so it may not reach Node built-ins, the database or the network, and a
// forgotten `await` on an activity is a real bug everywhere.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import globals from 'globals';

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.venv/**', 'db/migrations/**', 'test-output/**', 'client/schema.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: globals.node } },
  // The SDK `require`s converter modules by path (runtime/failure-converter.cjs): CommonJS there.
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Workflow state is declared up front and assigned later; message handlers read it first.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  // Sizes (issue #23): a function reads in one screen, a module holds one behaviour.
  { files: ['**/*.ts'], ignores: ['test/**'], rules: { 'max-lines-per-function': ['error', { max: 80 }] } },
  { files: ['workflows/**/*.ts', 'activities/**/*.ts', 'api/**/*.ts', 'db/**/*.ts'], rules: { 'max-lines': ['error', { max: 250 }] } },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Workflow code is sandboxed: no Node built-ins.' })),
            { name: 'postgres', message: 'Workflow code does no I/O: use an activity.' },
            { name: 'drizzle-orm', message: 'Workflow code does no I/O: use an activity.' },
            { name: 'pino', message: 'Workflow code logs through `log` from @temporalio/workflow.' },
          ],
          patterns: [
            { group: ['../db/*', '../../db/*', '../runtime/*', '../../runtime/*', '../api/*', '../../api/*'], message: 'Workflow code does no I/O.' },
            { group: ['../activities/*', '../../activities/*'], message: 'Import activities with `import type` only.', allowTypeImports: true },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Use sleep() in a loop.' },
        { name: 'console', message: 'Use log from @temporalio/workflow.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Randomness breaks replay: use uuid4() or pass it in.' },
      ],
    },
  },
  {
    // db/ sits below the workflows: it may use their pure kernel (workflows/domain/), nothing else.
    files: ['db/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: '(^|/)workflows/(?!domain/)', message: 'db/ imports only the pure kernel of workflows/ (workflows/domain/).' }] }],
    },
  },
);
