// npm run env:example: writes .env.example from the configuration schema (runtime/env-schema.ts
// envSchema) — every variable the processes read, its default or choices, and the comment the
// code gives it — so the file cannot drift from the code (test/unit/env-example.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { projectRoot } from '../runtime/config.js';
import { envSchema } from '../runtime/env-schema.js';
import { TEMPORAL_CONNECTION_ENV } from '../runtime/temporal-connection.js';

export const envExamplePath = path.join(projectRoot, '.env.example');
const configSource = path.join(projectRoot, 'runtime', 'env-schema.ts');

type Def = { type: string; defaultValue?: unknown; innerType?: z.ZodType; in?: z.ZodType; entries?: Record<string, string>; values?: unknown[] };
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The default and the choices of a variable's schema, through optional/default/pipe wrappers. */
function describe(schema: z.ZodType): { default?: unknown; choices?: string[] } {
  const d = defOf(schema);
  if (d.type === 'default') return { ...describe(d.innerType!), default: typeof d.defaultValue === 'function' ? (d.defaultValue as () => unknown)() : d.defaultValue };
  if ((d.type === 'optional' || d.type === 'nullable') && d.innerType) return describe(d.innerType);
  if (d.type === 'pipe' && d.in) return describe(d.in);
  if (d.type === 'enum' && d.entries) return { choices: Object.values(d.entries) };
  if (d.type === 'literal' && d.values) return { choices: d.values.map(String) };
  return {};
}

/**
 * The comment above each variable in the schema's source (`// …` lines or a `/** … *\/` block
 * right above `NAME:`), by name. A variable the source does not comment, or that it declares
 * some other way, simply gets none.
 */
export function commentsOf(source: string): Map<string, string[]> {
  const comments = new Map<string, string[]>();
  let pending: string[] = [];
  let inBlock = false;
  for (const raw of source.split('\n')) {
    const line = raw.trim();
    if (inBlock || line.startsWith('/**')) {
      inBlock = !line.endsWith('*/');
      const text = line.replace(/^\/\*\*|\*\/$/g, '').replace(/^\*\s?/, '').trim();
      if (text) pending.push(text);
      continue;
    }
    if (line.startsWith('//')) {
      pending.push(line.replace(/^\/\/\s?/, ''));
      continue;
    }
    const key = /^([A-Z][A-Z0-9_]*):/.exec(line)?.[1];
    if (key && pending.length) comments.set(key, pending);
    pending = [];
  }
  return comments;
}

/** A default as it would be written; a path under the package root is written relative to it. */
function shown(value: unknown): string {
  const s = String(value);
  return s.startsWith(projectRoot + path.sep) ? `<package root>/${path.relative(projectRoot, s).split(path.sep).join('/')}` : s;
}

/** The text of .env.example. */
export function renderEnvExample(schema: z.ZodObject = envSchema, source = readFileSync(configSource, 'utf8')): string {
  const comments = commentsOf(source);
  const out = [
    '# Generated from runtime/env-schema.ts (envSchema) by `npm run env:example` — do not edit by hand.',
    '# Every variable may be left unset: the value shown is its default, or it is off when none is',
    '# shown. temporal.yaml holds the task queue, worker tuning and search attributes; the',
    "# connection to Temporal is Temporal's own configuration (listed at the end).",
  ];
  for (const [name, field] of Object.entries(schema.shape)) {
    const d = describe(field as z.ZodType);
    out.push('');
    for (const c of comments.get(name) ?? []) out.push(`# ${c}`);
    if (d.choices && d.choices.length > 1) out.push(`# One of: ${d.choices.join(', ')}.`);
    out.push(`# ${name}=${d.default === undefined ? '' : shown(d.default)}`);
  }
  out.push('', "# ---- Temporal's own connection settings (docs/configuration.md), read as the temporal CLI reads them:");
  for (const [name, what] of Object.entries(TEMPORAL_CONNECTION_ENV)) out.push('', `# ${what}.`, `# ${name}=`);
  out.push('', '# ---- Tracing (docs/tracing.md): the standard OpenTelemetry exporter settings; unset: no spans recorded.');
  out.push('', '# e.g. http://otel-collector:4318 (spans to <endpoint>/v1/traces over OTLP/HTTP).', '# OTEL_EXPORTER_OTLP_ENDPOINT=');
  out.push('', '# Overrides shenguan-api / shenguan-worker.', '# OTEL_SERVICE_NAME=');
  return `${out.join('\n')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(envExamplePath, renderEnvExample());
  process.stdout.write(`${path.relative(process.cwd(), envExamplePath)} written (${Object.keys(envSchema.shape).length} variables)\n`);
}
