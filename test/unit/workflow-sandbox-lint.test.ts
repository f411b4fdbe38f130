// The workflow sandbox rules (STYLE.md §1) are enforced by lint, and this test keeps both the
// code and the rules honest: workflows/ lints clean, and a workflow that breaks a rule fails.
import { describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { ESLint } from 'eslint';
import { projectRoot } from '../../runtime/config.js';

const eslint = new ESLint({ cwd: projectRoot });

describe('workflow sandbox lint', () => {
  it('the whole project, workflows/ with its sandbox rules, has no lint errors', async () => {
    const results = await eslint.lintFiles(['.']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.ruleId} ${m.message}`));
    expect(errors).toEqual([]);
  }, 120_000);

  it('refuses Node built-ins, database modules, Math.random and a floating activity promise', async () => {
    const source = [
      "import { readFileSync } from 'node:fs';",
      "import postgres from 'postgres';",
      "import { proxyActivities } from '@temporalio/workflow';",
      "const acts = proxyActivities<{ a(): Promise<void> }>({ startToCloseTimeout: '1 minute' });",
      'export async function bad(): Promise<number> {',
      '  acts.a();',
      '  return Math.random() + readFileSync.length + postgres.length;',
      '}',
    ].join('\n');
    // Type-aware rules need the file on disk, inside the project; it is removed straight after.
    const probe = `${projectRoot}/workflows/__lint_probe__.ts`;
    await writeFile(probe, source);
    let rules: Set<string | null>;
    try {
      const [result] = await new ESLint({ cwd: projectRoot }).lintFiles([probe]);
      rules = new Set(result!.messages.map((m) => m.ruleId));
    } finally {
      await rm(probe, { force: true });
    }
    expect(rules).toContain('no-restricted-imports');
    expect(rules).toContain('no-restricted-properties');
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
  }, 120_000);
});
