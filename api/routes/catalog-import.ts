// Bulk import of the catalogs, JSON or CSV, all or nothing: every row is checked against the
// same schema a single entry is (api/catalog-schemas.ts), against the database and against the
// caller's scope, and every problem of every row is reported before anything is written.
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Db } from '../../db/client.js';
import { upsertApprovalItem, upsertSupervisionItem, type ChangeActor, type Tx } from '../../db/catalog.js';
import { approvalItems, deadlinePolicies, departments, divisions, regions, supervisionItems } from '../../db/schema/index.js';
import type { Principal, Role } from '../auth.js';
import { approvalItemSchema, supervisionItemSchema } from '../catalog-schemas.js';
import { CsvError, parseCsv } from '../csv.js';
import { HttpProblem, conflict, problemSchema, type Problem } from '../errors.js';

const MAX_ROWS = 2000;
const BODY_LIMIT = 2 * 1024 * 1024; // 2000 rows of a few hundred bytes each

type RowSchema = typeof approvalItemSchema | typeof supervisionItemSchema;
type Side = 'approval' | 'supervision';

interface Catalog<S extends RowSchema> {
  url: string;
  noun: string;
  side: Side;
  schema: S;
  roles: readonly Role[];
  table: typeof approvalItems | typeof supervisionItems;
  write(tx: Tx, item: z.output<S>, actor: ChangeActor): Promise<{ created: boolean; version?: number }>;
}

// An import replaces each entry whole: a field left out is cleared, not kept from before.
const approvalCatalog: Catalog<typeof approvalItemSchema> = {
  url: '/v1/approval-items/import',
  noun: 'approval items',
  side: 'approval',
  schema: approvalItemSchema,
  roles: ['regional-admin', 'approval'],
  table: approvalItems,
  write: (tx, i, actor) => upsertApprovalItem(tx, { ...i, subItem: i.subItem ?? null, commitmentPeriodDays: i.commitmentPeriodDays ?? null, deadlinePolicy: i.deadlinePolicy ?? null }, actor),
};
const supervisionCatalog: Catalog<typeof supervisionItemSchema> = {
  url: '/v1/supervision-items/import',
  noun: 'supervision items',
  side: 'supervision',
  schema: supervisionItemSchema,
  roles: ['regional-admin', 'supervision'],
  table: supervisionItems,
  write: (tx, i, actor) =>
    upsertSupervisionItem(tx, { ...i, subItem: i.subItem ?? null, divisionCode: i.divisionCode ?? null, inspectionMethod: i.inspectionMethod ?? null, legalBasis: i.legalBasis ?? null }, actor),
};

/** One row of the file, before any check: where it came from and what it says. */
interface SourceRow {
  /** `items[3]` for JSON, `row 4 (line 6)` for CSV. */
  at: string;
  value: unknown;
}
interface RowProblem {
  field: string;
  message: string;
  /** Outside the caller's scope: the import is refused with 403 when every problem is one. */
  forbidden?: boolean;
}
type FieldProblem = NonNullable<Problem['errors']>[number];

// ---------------------------------------------------------------------------------------------
// CSV → rows: the header names the schema's fields; cells are converted by the field's type.

type CellKind = 'text' | 'number' | 'boolean' | 'list';

function cellKinds(schema: RowSchema): Map<string, CellKind> {
  const kinds = new Map<string, CellKind>();
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    let inner: z.ZodType = fieldSchema;
    while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    kinds.set(field, inner instanceof z.ZodArray ? 'list' : inner instanceof z.ZodNumber ? 'number' : inner instanceof z.ZodBoolean ? 'boolean' : 'text');
  }
  return kinds;
}

const BOOLEANS: Record<string, boolean> = { true: true, false: false, 是: true, 否: false };

/** A cell as the schema's field type; a value that does not convert stays text, so the schema names the problem. */
function cellValue(kind: CellKind, cell: string): unknown {
  const t = cell.trim();
  if (kind === 'number') return /^\d+$/.test(t) ? Number(t) : cell;
  if (kind === 'boolean') return BOOLEANS[t.toLowerCase()] ?? cell;
  if (kind === 'list') return t.split(';').map((s) => s.trim()).filter((s) => s !== '');
  return cell;
}

function csvRows(text: string, schema: RowSchema): { rows: SourceRow[]; problems: RowProblem[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new HttpProblem(400, 'csv', 'Malformed CSV', err.message);
    throw err;
  }
  const [header, ...body] = records;
  if (!header || header.cells.every((c) => c.trim() === '')) throw new HttpProblem(400, 'csv', 'Malformed CSV', 'the file is empty; the first line must name the columns');
  const kinds = cellKinds(schema);
  const columns = header.cells.map((c) => c.trim());
  const problems: RowProblem[] = [];
  columns.forEach((name, i) => {
    if (!kinds.has(name)) problems.push({ field: `header (line ${header.line})`, message: `unknown column ${JSON.stringify(name)}; the columns are ${[...kinds.keys()].join(', ')}` });
    else if (columns.indexOf(name) !== i) problems.push({ field: `header (line ${header.line})`, message: `column ${name} appears twice` });
  });
  const rows: SourceRow[] = [];
  for (const record of body) {
    if (record.cells.every((c) => c.trim() === '')) continue; // blank lines, and the ",,," rows spreadsheets leave
    const at = `row ${rows.length + 1} (line ${record.line})`;
    if (record.cells.length !== columns.length) problems.push({ field: at, message: `${record.cells.length} cells, but the header has ${columns.length} columns` });
    const value: Record<string, unknown> = {};
    columns.forEach((name, i) => {
      const kind = kinds.get(name);
      const cell = record.cells[i];
      if (kind && cell !== undefined && cell.trim() !== '' && !(name in value)) value[name] = cellValue(kind, cell);
    });
    rows.push({ at, value });
  }
  if (rows.length === 0) throw new HttpProblem(400, 'csv', 'Malformed CSV', 'the file has a header but no rows');
  if (rows.length > MAX_ROWS) throw new HttpProblem(400, 'csv', 'Too many rows', `${rows.length} rows; an import takes at most ${MAX_ROWS}`);
  return { rows, problems };
}

// ---------------------------------------------------------------------------------------------
// Checks: schema, duplicates, references, scope. Every row is checked through; nothing stops early.

const pathOf = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

async function lookups(db: Db, want: Record<'departments' | 'regions' | 'divisions' | 'policies' | 'items', Set<string>>, table: Catalog<RowSchema>['table']) {
  const list = (s: Set<string>) => [...s];
  const [items, regionRows, divisionRows, policyRows] = await Promise.all([
    want.items.size ? db.select({ code: table.code, departmentCode: table.departmentCode }).from(table).where(inArray(table.code, list(want.items))) : [],
    want.regions.size ? db.select({ code: regions.code }).from(regions).where(inArray(regions.code, list(want.regions))) : [],
    want.divisions.size ? db.select({ code: divisions.code, departmentCode: divisions.departmentCode }).from(divisions).where(inArray(divisions.code, list(want.divisions))) : [],
    want.policies.size ? db.select({ code: deadlinePolicies.code }).from(deadlinePolicies).where(inArray(deadlinePolicies.code, list(want.policies))) : [],
  ]);
  // The departments of existing items too: moving an item needs the scope of both.
  const departmentCodes = [...want.departments, ...items.map((i) => i.departmentCode)];
  const departmentRows = departmentCodes.length
    ? await db.select({ code: departments.code, side: departments.side, regionCode: departments.regionCode }).from(departments).where(inArray(departments.code, departmentCodes))
    : [];
  return {
    items: new Map(items.map((i) => [i.code, i.departmentCode])),
    departments: new Map(departmentRows.map((d) => [d.code, d])),
    regions: new Set(regionRows.map((r) => r.code)),
    divisions: new Map(divisionRows.map((d) => [d.code, d.departmentCode])),
    policies: new Set(policyRows.map((p) => p.code)),
  };
}

/** Why the caller may not import an item of this department, or null when it may. */
function outOfScope(p: Principal, department: { code: string; regionCode: string }): string | null {
  if (p.role === 'regional-admin') {
    return p.region === department.regionCode ? null : `department ${department.code} is in region ${department.regionCode}, not in your region ${p.region ?? '(none in your token)'}`;
  }
  return p.department === department.code ? null : `you may import items of your own department ${p.department ?? '(none in your token)'} only, not of ${department.code}`;
}

async function checkRows<S extends RowSchema>(db: Db, catalog: Catalog<S>, principal: Principal, rows: SourceRow[]) {
  const problems: RowProblem[] = [];
  const parsed = rows.map((row) => {
    const result = catalog.schema.safeParse(row.value);
    for (const issue of result.error?.issues ?? []) problems.push({ field: `${row.at}${pathOf(issue.path)}`, message: issue.message });
    const invalid = new Set(result.error?.issues.map((i) => i.path[0]));
    const raw = (typeof row.value === 'object' && row.value !== null ? row.value : {}) as Record<string, unknown>;
    // A reference is checked when the schema accepted its field, even if another field is bad.
    const ref = (field: string) => (field in catalog.schema.shape && !invalid.has(field) && typeof raw[field] === 'string' ? (raw[field] as string) : undefined);
    return { row, data: result.data as z.output<S> | undefined, ref };
  });

  const want = { departments: new Set<string>(), regions: new Set<string>(), divisions: new Set<string>(), policies: new Set<string>(), items: new Set<string>() };
  for (const { ref } of parsed) {
    for (const [field, set] of [['departmentCode', want.departments], ['regionCode', want.regions], ['divisionCode', want.divisions], ['deadlinePolicy', want.policies], ['code', want.items]] as const) {
      const v = ref(field);
      if (v) set.add(v);
    }
  }
  const known = await lookups(db, want, catalog.table);

  const firstAt = new Map<string, string>();
  for (const { row, ref } of parsed) {
    const problem = (field: string, message: string, forbidden = false) => problems.push({ field: `${row.at}.${field}`, message, ...(forbidden && { forbidden }) });
    const code = ref('code');
    if (code && firstAt.has(code)) problem('code', `code ${code} is already in ${firstAt.get(code)}; each item may appear once`);
    else if (code) firstAt.set(code, row.at);

    const departmentCode = ref('departmentCode');
    const department = departmentCode ? known.departments.get(departmentCode) : undefined;
    if (departmentCode && !department) problem('departmentCode', `department ${departmentCode} does not exist`);
    if (department && department.side !== catalog.side) problem('departmentCode', `department ${department.code} is a ${department.side} department; ${catalog.noun} belong to a department on the ${catalog.side} side`);
    const scope = department && outOfScope(principal, department);
    if (scope) problem('departmentCode', scope, true);

    const ownerCode = code ? known.items.get(code) : undefined;
    const owner = ownerCode && ownerCode !== departmentCode ? known.departments.get(ownerCode) : undefined;
    const ownerScope = owner && outOfScope(principal, owner);
    if (ownerScope) problem('code', `${code} exists and belongs to department ${owner.code}: ${ownerScope}`, true);

    const regionCode = ref('regionCode');
    if (regionCode && !known.regions.has(regionCode)) problem('regionCode', `region ${regionCode} does not exist`);
    const policy = ref('deadlinePolicy');
    if (policy && !known.policies.has(policy)) problem('deadlinePolicy', `deadline policy ${policy} does not exist`);
    const divisionCode = ref('divisionCode');
    const divisionOf = divisionCode ? known.divisions.get(divisionCode) : undefined;
    if (divisionCode && !divisionOf) problem('divisionCode', `division ${divisionCode} does not exist`);
    if (divisionOf && departmentCode && divisionOf !== departmentCode) problem('divisionCode', `division ${divisionCode} belongs to department ${divisionOf}, not to ${departmentCode}`);
  }
  const items = parsed.map((p) => p.data).filter((d): d is z.output<S> => d !== undefined);
  return { problems, items };
}

// ---------------------------------------------------------------------------------------------
// Routes

const jsonImport = (catalog: Catalog<RowSchema>) =>
  z
    .object({
      items: z
        .array(z.unknown())
        .min(1)
        .max(MAX_ROWS)
        // Rows are validated one by one in the handler so that every problem of every row is
        // reported; the document still shows what a row is.
        .meta({ items: z.toJSONSchema(catalog.schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) }),
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
  items: z.array(z.object({ code: z.string(), created: z.boolean(), version: z.number().int().optional().describe('approval items: the version this import made') })),
});

/** A CSV body decoded: UTF-8 (a BOM is dropped by the parser), or GB18030 when the charset says so. */
function decodeCsv(contentType: string | undefined, body: Buffer): string {
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

const problemBody = (status: number, detail: string, errors: FieldProblem[]): Problem =>
  status === 403
    ? { type: 'urn:shenguan:problem:forbidden', title: 'Forbidden', status, detail, errors }
    : { type: 'urn:shenguan:problem:catalog-import', title: 'Catalog import rejected', status, detail, errors };

const PG_UNIQUE = '23505';
const PG_FOREIGN_KEY = '23503';

const catalogImportRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps.database;
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (req, body, done) => {
    try {
      done(null, decodeCsv(req.headers['content-type'], body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const errors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 409: problemSchema, 413: problemSchema, 415: problemSchema, 422: problemSchema };

  for (const catalog of [approvalCatalog, supervisionCatalog] as Catalog<RowSchema>[]) {
    app.post(
      catalog.url,
      {
        config: { roles: catalog.roles },
        bodyLimit: BODY_LIMIT,
        schema: {
          tags: ['catalog'],
          summary: `Import ${catalog.noun} in bulk (JSON or CSV), all or nothing`,
          description: `Up to ${MAX_ROWS} ${catalog.noun}, each as a single entry is written. Every row is checked (schema, duplicate codes, departments, regions, divisions, deadline policies, the caller's scope) before anything is written; any problem rejects the whole file with 422 listing every problem of every row, or 403 when every problem is a row outside the caller's scope. A regional admin imports for departments of its region; a department for itself. Each item is created or replaced whole, in one transaction, and the change log records it.`,
          consumes: ['application/json', 'text/csv'],
          body: importBody(catalog),
          response: { 200: importResult, ...errors },
        },
      },
      async (req, reply) => {
        const csv = typeof req.body === 'string';
        if (csv && !req.headers['content-type']?.toLowerCase().startsWith('text/csv')) throw new HttpProblem(400, 'validation', 'Invalid request', 'body: expected { "items": [...] }');
        const source = csv ? csvRows(req.body as string, catalog.schema) : { rows: (req.body as { items: unknown[] }).items.map((value, i) => ({ at: `items[${i}]`, value })), problems: [] };
        const { problems, items } = await checkRows(db, catalog, req.principal, source.rows);
        problems.unshift(...source.problems);
        if (problems.length > 0) {
          const rejected = new Set(problems.map((p) => /^(items\[\d+\]|row \d+)/.exec(p.field)?.[0]).filter(Boolean)).size;
          const status = problems.every((p) => p.forbidden) ? 403 : 422;
          const detail = `${rejected} of ${source.rows.length} rows rejected${rejected === 0 ? ' (the file itself has a problem)' : ''}; nothing was imported`;
          return reply.code(status).type('application/problem+json').send(problemBody(status, detail, problems.map(({ field, message }) => ({ field, message }))));
        }
        const { sub, role, department } = req.principal;
        const written = await writeAll(db, catalog, items, { sub, role, ...(department && { department }) });
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
