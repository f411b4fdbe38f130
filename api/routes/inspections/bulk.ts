// Bulk import of the 双随机 directories (market entities, inspectors), the catalog import's way
// (api/routes/catalog/import.ts): JSON `{ items: [...] }` or CSV, every row checked against the
// schema a single entry is, then against the database and the caller's scope; any problem
// rejects the whole file (422, or 403 when every problem is a row outside the scope) naming
// every bad row, and nothing is written; otherwise every row is written in one transaction.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Tx } from '../../../db/catalog.js';
import type { Principal, Role } from '../../auth.js';
import { HttpProblem, problems } from '../../errors.js';
import { BODY_LIMIT, rejection, rowJsonSchema } from '../catalog/import.js';
import { MAX_ROWS, csvRows, pathOf, type ImportSchema, type RowProblem, type SourceRow } from '../catalog/import-rows.js';

export interface CheckedRow<T> {
  at: string;
  value: T;
}

export interface DirectoryImport<S extends ImportSchema> {
  url: string;
  operationId: string;
  noun: string;
  tags: string[];
  roles: readonly Role[];
  schema: S;
  /** The row's key: each may appear once in a file. */
  key(row: z.output<S>): string;
  /** Problems of the rows against the database and the caller's scope (`forbidden` for scope). */
  check(p: Principal, rows: Array<CheckedRow<z.output<S>>>): Promise<RowProblem[]>;
  write(tx: Tx, row: z.output<S>, p: Principal): Promise<{ created: boolean }>;
}

const result = z.object({ imported: z.number().int(), created: z.number().int(), updated: z.number().int(), items: z.array(z.object({ key: z.string(), created: z.boolean() })) });

export function registerImport<S extends ImportSchema>(app: FastifyInstance, def: DirectoryImport<S>): void {
  const body = z.union([
    z.object({ items: z.array(z.unknown()).min(1).max(MAX_ROWS).meta({ items: rowJsonSchema(def.schema) }) }).strict(),
    z.string().describe('text/csv, UTF-8 (or GB18030 with charset=gb18030): a header row of the field names, then one entry per row; lists ;-separated in one cell; an empty cell leaves the field out'),
  ]);
  app.withTypeProvider<ZodTypeProvider>().post(
    def.url,
    {
      config: { roles: def.roles },
      bodyLimit: BODY_LIMIT,
      schema: {
        operationId: def.operationId,
        tags: def.tags,
        summary: `Import ${def.noun} in bulk (JSON or CSV), all or nothing`,
        description: `Up to ${MAX_ROWS} ${def.noun}. Every row is checked before anything is written; any problem rejects the whole file with 422 naming every bad row (403 when every problem is a row outside the caller's scope). Each entry is created or replaced whole, in one transaction.`,
        consumes: ['application/json', 'text/csv'],
        body,
        response: { 200: result, ...problems(400, 401, 403, 409, 413, 415, 422) },
      },
    },
    async (req, reply) => {
      const source = sourceRows(req.body, req.headers['content-type'], def.schema);
      const found: RowProblem[] = [...source.problems];
      const rows: Array<CheckedRow<z.output<S>>> = [];
      const firstAt = new Map<string, string>();
      for (const row of source.rows) {
        const parsed = def.schema.safeParse(row.value);
        if (!parsed.success) {
          for (const issue of parsed.error.issues) found.push({ field: `${row.at}${pathOf(issue.path)}`, message: issue.message });
          continue;
        }
        const key = def.key(parsed.data);
        if (firstAt.has(key)) found.push({ field: row.at, message: `${key} is already in ${firstAt.get(key)}; each may appear once` });
        else firstAt.set(key, row.at);
        rows.push({ at: row.at, value: parsed.data });
      }
      found.push(...(await def.check(req.principal, rows)));
      if (found.length > 0) {
        const status = found.every((p) => p.forbidden) ? 403 : 422;
        return reply.code(status).type('application/problem+json').send(rejection(status, found, source.rows.length));
      }
      const written = await app.db.transaction(async (tx) => {
        const out: Array<{ key: string; created: boolean }> = [];
        for (const r of rows) out.push({ key: def.key(r.value), ...(await def.write(tx, r.value, req.principal)) });
        return out;
      });
      const created = written.filter((w) => w.created).length;
      return { imported: written.length, created, updated: written.length - created, items: written };
    },
  );
}

function sourceRows(body: unknown, contentType: string | undefined, schema: ImportSchema): { rows: SourceRow[]; problems: RowProblem[] } {
  if (typeof body !== 'string') return { rows: (body as { items: unknown[] }).items.map((value, i) => ({ at: `items[${i}]`, value })), problems: [] };
  if (!contentType?.toLowerCase().startsWith('text/csv')) throw new HttpProblem(400, 'validation', 'Invalid request', 'body: expected { "items": [...] }');
  return csvRows(body, schema);
}
