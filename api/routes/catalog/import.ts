// Bulk import of the catalogs, JSON or CSV, all or nothing: every row is checked (import-rows.ts)
// and every problem of every row is reported before anything is written.
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../../db/client.js';
import type { ChangeActor } from '../../../db/catalog.js';
import { changeActorOf } from '../../auth.js';
import { HttpProblem, conflict, problems, type Problem } from '../../errors.js';
import { approvalCatalog, jointPunishmentCatalog, leniencyCatalog, supervisionCatalog, type Catalog, type RowSchema } from './entries.js';
import { MAX_ROWS, cellKinds, checkRows, csvRows, pathOf, type ImportSchema } from './import-rows.js';

export const BODY_LIMIT = 2 * 1024 * 1024; // 2000 rows of a few hundred bytes each
type FieldProblem = NonNullable<Problem['errors']>[number];

/** A row as the document shows it; the named types in it ($defs) are the document's own input components. */
export function rowJsonSchema(schema: RowSchema | ImportSchema): unknown {
  const { $schema: _dialect, $defs: _named, ...row } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' });
  return JSON.parse(JSON.stringify(row).replace(/"#\/\$defs\/([^"]+)"/g, '"#/components/schemas/$1Input"'));
}

const jsonImport = (catalog: Catalog<RowSchema>) =>
  z
    .object({
      items: z
        .array(z.unknown())
        .min(1)
        .max(MAX_ROWS)
        // Rows are validated one by one in the handler so that every problem of every row is
        // reported; the document still shows what a row is.
        .meta({ items: rowJsonSchema(catalog.schema) }),
    })
    .strict();

const csvText = (catalog: Catalog<RowSchema>) => {
  const lists = [...cellKinds(catalog.schema)].filter(([, kind]) => kind === 'list').map(([field]) => field);
  return z
    .string()
    .describe(
      `text/csv, UTF-8 (or GB18030 with charset=gb18030): a header row of the field names, then one item per row${lists.length ? `; ${lists.join(' and ')} ;-separated in one cell` : ''}; booleans true/false or 是/否; an empty cell leaves the field out`,
    );
};

const importBody = (catalog: Catalog<RowSchema>) =>
  z.union([jsonImport(catalog), csvText(catalog)], {
    // Without this a bad envelope would only say "Invalid input": name what the JSON form (the
    // first branch; a CSV body is always a string) missed.
    error: (iss) => (iss.code === 'invalid_union' ? iss.errors[0]?.map((e) => `${pathOf(e.path) || 'body'}: ${e.message}`.replace(/^\./, '')).join('; ') : undefined),
  });

const importResult = z.object({
  imported: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  items: z.array(z.object({ code: z.string(), created: z.boolean(), version: z.number().int().optional().describe('the version this import made') })),
});

/** A CSV body decoded: UTF-8 (a BOM is dropped by the parser), or GB18030 when the charset says so. */
export function decodeCsv(contentType: string | undefined, body: Buffer): string {
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  const encoding = ['gbk', 'gb2312', 'gb18030'].includes(charset) ? 'gb18030' : charset;
  if (encoding !== 'utf-8' && encoding !== 'utf8') {
    if (encoding !== 'gb18030') throw new HttpProblem(415, 'csv', 'Unsupported charset', `charset ${charset} is not supported; send UTF-8 or GB18030`);
    return new TextDecoder('gb18030').decode(body);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new HttpProblem(400, 'csv', 'Malformed CSV', 'the file is not UTF-8: save it as "CSV UTF-8", or send it with content-type text/csv; charset=gb18030');
  }
}

/** The rows of the body: a CSV text (sent as text/csv), or the JSON form's items. */
function sourceRows(body: unknown, contentType: string | undefined, catalog: Catalog<RowSchema>) {
  if (typeof body !== 'string') return { rows: (body as { items: unknown[] }).items.map((value, i) => ({ at: `items[${i}]`, value })), problems: [] };
  if (!contentType?.toLowerCase().startsWith('text/csv')) throw new HttpProblem(400, 'validation', 'Invalid request', 'body: expected { "items": [...] }');
  return csvRows(body, catalog.schema);
}

/** The refusal of a file with problems: 403 when every problem is a row outside the caller's scope, else 422. */
export function rejection(status: number, found: Array<FieldProblem & { forbidden?: boolean }>, rowCount: number): Problem {
  const rejected = new Set(found.map((p) => /^(items\[\d+\]|row \d+)/.exec(p.field)?.[0]).filter(Boolean)).size;
  const detail = `${rejected} of ${rowCount} rows rejected${rejected === 0 ? ' (the file itself has a problem)' : ''}; nothing was imported`;
  const errors = found.map(({ field, message }) => ({ field, message }));
  return status === 403
    ? { type: 'urn:shenguan:problem:forbidden', title: 'Forbidden', status, detail, errors }
    : { type: 'urn:shenguan:problem:catalog-import', title: 'Catalog import rejected', status, detail, errors };
}

const PG_UNIQUE = '23505';
const PG_FOREIGN_KEY = '23503';

/** text/csv bodies, decoded (UTF-8 or GB18030), for a plugin's import routes. */
export function acceptCsv(app: FastifyInstance): void {
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    try {
      done(null, decodeCsv(req.headers['content-type'], body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

const catalogImportRoutes: FastifyPluginAsyncZod = async (app) => {
  acceptCsv(app);
  const errors = problems(400, 401, 403, 409, 413, 415, 422);

  for (const catalog of [approvalCatalog, supervisionCatalog, leniencyCatalog, jointPunishmentCatalog] as Catalog<RowSchema>[]) {
    app.post(
      catalog.url,
      {
        config: { roles: catalog.roles },
        bodyLimit: BODY_LIMIT,
        schema: {
          operationId: catalog.operationId,
          tags: ['catalog'],
          summary: `Import ${catalog.noun} in bulk (JSON or CSV), all or nothing`,
          description: `Up to ${MAX_ROWS} ${catalog.noun}, each as a single entry is written. Every row is checked (schema, duplicate codes, departments, regions, divisions, deadline policies, the caller's scope) before anything is written; any problem rejects the whole file with 422 listing every problem of every row, or 403 when every problem is a row outside the caller's scope. A regional admin imports for departments of its region; a department for itself. Each item is created or replaced whole, in one transaction, and the change log records it.`,
          consumes: ['application/json', 'text/csv'],
          body: importBody(catalog),
          response: { 200: importResult, ...errors },
        },
      },
      async (req, reply) => {
        const source = sourceRows(req.body, req.headers['content-type'], catalog);
        const checked = await checkRows(app.db, catalog, req.principal, source.rows);
        const found = [...source.problems, ...checked.problems];
        if (found.length > 0) {
          const status = found.every((p) => p.forbidden) ? 403 : 422;
          return reply.code(status).type('application/problem+json').send(rejection(status, found, source.rows.length));
        }
        const written = await writeAll(app.db, catalog, checked.items, changeActorOf(req.principal));
        const created = written.filter((w) => w.created).length;
        return { imported: written.length, created, updated: written.length - created, items: written };
      },
    );
  }
};

async function writeAll<S extends RowSchema>(db: Db, catalog: Catalog<S>, items: z.output<S>[], actor: ChangeActor) {
  try {
    return await db.transaction(async (tx) => {
      const out: Array<{ code: string; created: boolean; version?: number }> = [];
      for (const item of items) out.push({ code: item.code, ...(await catalog.write(tx, item, actor)) });
      return out;
    });
  } catch (err) {
    // Checked a moment ago; only a concurrent writer makes these fail now, and a retry sees it.
    const code = (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
    if (code === PG_UNIQUE || code === PG_FOREIGN_KEY) throw conflict(`the catalog changed while this import was written; nothing was imported, send it again`);
    throw err;
  }
}

export default catalogImportRoutes;
