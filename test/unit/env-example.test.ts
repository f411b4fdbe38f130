// .env.example is generated from the configuration schema (scripts/env-example.ts): the
// committed file must be what the schema makes now.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { envSchema } from '../../runtime/env-schema.js';
import { commentsOf, envExamplePath, renderEnvExample } from '../../scripts/env-example.js';

describe('.env.example', () => {
  it('is current: `npm run env:example` after changing runtime/config.ts envSchema', () => {
    expect(readFileSync(envExamplePath, 'utf8'), 'regenerate it: npm run env:example').toBe(renderEnvExample());
  });

  it('names every variable of the schema once, with its default', () => {
    const text = renderEnvExample();
    for (const name of Object.keys(envSchema.shape)) expect(text.match(new RegExp(`^# ${name}=`, 'gm')), name).toHaveLength(1);
    expect(text).toMatch(/^# PORT=3000$/m);
    expect(text).toMatch(/^# JWT_DEV_KEY_FILE=<package root>\/\.data\/dev-jwt\.key$/m);
  });

  it('takes line and block comments from the source, and copes with a variable it cannot find there', () => {
    const source = ['const s = z.object({', '  // two', '  // lines', '  A_B: z.string(),', '  /** a block */', '  C: z.enum(["x", "y"]).default("x"),', '  D: z.string(),', '});'].join('\n');
    expect(commentsOf(source)).toEqual(new Map([['A_B', ['two', 'lines']], ['C', ['a block']]]));
    const text = renderEnvExample(z.object({ A_B: z.string(), C: z.enum(['x', 'y']).default('x'), D: z.string(), NOT_IN_SOURCE: z.coerce.number().optional() }), source);
    expect(text).toContain('# two\n# lines\n# A_B=\n');
    expect(text).toContain('# a block\n# One of: x, y.\n# C=x\n');
    expect(text).toContain('\n# NOT_IN_SOURCE=\n');
  });
});
