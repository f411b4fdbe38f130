// The rows of a bulk catalog import, from JSON or CSV, and their checks: every row against the
// same schema a single entry is (api/catalog-schemas.ts), against the database and against the
// caller's scope. Every problem of every row is found; nothing stops early.
import { z } from 'zod';
import type { Db } from '../../../db/client.js';
import { knownReferences, policyMisfit, policyUnits, worldMisfit } from '../../../db/queries/catalog.js';
import type { Principal } from '../../auth.js';
import type { Catalog, RowSchema } from './entries.js';
import { CsvError, parseCsv } from '../../csv.js';
import { HttpProblem } from '../../errors.js';

export const MAX_ROWS = 2000;

/** One row of the file, before any check: where it came from and what it says. */
export interface SourceRow {
  /** `items[3]` for JSON, `row 4 (line 6)` for CSV. */
  at: string;
  value: unknown;
}
export interface RowProblem {
  field: string;
  message: string;
  /** Outside the caller's scope: the import is refused with 403 when every problem is one. */
  forbidden?: boolean;
}

// ---------------------------------------------------------------------------------------------
// CSV → rows: the header names the schema's fields; cells are converted by the field's type.

type CellKind = 'text' | 'number' | 'boolean' | 'list';

/** Any row schema of an import (the catalogs', the directories'): an object of fields. */
export type ImportSchema = z.ZodObject<z.ZodRawShape>;

export function cellKinds(schema: ImportSchema | RowSchema): Map<string, CellKind> {
  const kinds = new Map<string, CellKind>();
  for (const [field, fieldSchema] of Object.entries(schema.shape)) {
    let inner = fieldSchema as z.ZodType;
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

export function csvRows(text: string, schema: ImportSchema | RowSchema): { rows: SourceRow[]; problems: RowProblem[] } {
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

export const pathOf = (path: PropertyKey[]) => path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');

/** Why the caller may not import an item of this department, or null when it may. */
function outOfScope(p: Principal, department: { code: string; regionCode: string }): string | null {
  if (p.role === 'regional-admin') {
    return p.region === department.regionCode ? null : `department ${department.code} is in region ${department.regionCode}, not in your region ${p.region ?? '(none in your token)'}`;
  }
  return p.department === department.code ? null : `you may import items of your own department ${p.department ?? '(none in your token)'} only, not of ${department.code}`;
}

export async function checkRows<S extends RowSchema>(db: Db, catalog: Catalog<S>, principal: Principal, rows: SourceRow[]) {
  const problems: RowProblem[] = [];
  const parsed = rows.map((row) => {
    const result = catalog.schema.safeParse(row.value);
    for (const issue of result.error?.issues ?? []) problems.push({ field: `${row.at}${pathOf(issue.path)}`, message: issue.message });
    const invalid = new Set(result.error?.issues.map((i) => i.path[0]));
    const raw = (typeof row.value === 'object' && row.value !== null ? row.value : {}) as Record<string, unknown>;
    // A reference is checked when the schema accepted its field, even if another field is bad.
    const ref = (field: string) => (field in catalog.schema.shape && !invalid.has(field) && typeof raw[field] === 'string' ? (raw[field] as string) : undefined);
    // A list field's codes, when the schema accepted the field.
    const refs = (field: string) => (field in catalog.schema.shape && !invalid.has(field) && Array.isArray(raw[field]) ? (raw[field] as unknown[]).filter((v): v is string => typeof v === 'string') : []);
    return { row, data: result.data as z.output<S> | undefined, ref, refs };
  });

  const want = { departments: new Set<string>(), regions: new Set<string>(), divisions: new Set<string>(), policies: new Set<string>(), items: new Set<string>(), catalogItems: new Set<string>() };
  for (const { refs } of parsed) {
    for (const field of catalog.lists?.departments ?? []) for (const v of refs(field)) want.departments.add(v);
    for (const field of catalog.lists?.items ?? []) for (const v of refs(field)) want.catalogItems.add(v);
  }
  for (const { ref } of parsed) {
    for (const [field, set] of [['departmentCode', want.departments], ['regionCode', want.regions], ['divisionCode', want.divisions], ['deadlinePolicy', want.policies], ['code', want.items]] as const) {
      const v = ref(field);
      if (v) set.add(v);
    }
  }
  const known = await knownReferences(db, want, catalog.table);
  // The departments' regions too: a rehearsal item is handled by a rehearsal department only.
  const units = await policyUnits(db, [...want.policies], [...new Set([...want.regions, ...[...known.departments.values()].map((d) => d.regionCode)])]);

  const firstAt = new Map<string, string>();
  for (const { row, ref, refs } of parsed) {
    const problem = (field: string, message: string, forbidden = false) => problems.push({ field: `${row.at}.${field}`, message, ...(forbidden && { forbidden }) });
    const code = ref('code');
    if (code && firstAt.has(code)) problem('code', `code ${code} is already in ${firstAt.get(code)}; each item may appear once`);
    else if (code) firstAt.set(code, row.at);

    const departmentCode = ref('departmentCode');
    const department = departmentCode ? known.departments.get(departmentCode) : undefined;
    if (departmentCode && !department) problem('departmentCode', `department ${departmentCode} does not exist`);
    if (department && catalog.side && department.side !== catalog.side) problem('departmentCode', `department ${department.code} is a ${department.side} department; ${catalog.noun} belong to a department on the ${catalog.side} side`);
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
    const misfit = policy && regionCode && policyMisfit(units, policy, regionCode);
    if (misfit) problem('deadlinePolicy', misfit);
    const world = department && regionCode && known.regions.has(regionCode) && worldMisfit(units, regionCode, department.code, department.regionCode);
    if (world) problem('regionCode', world);
    const divisionCode = ref('divisionCode');
    const divisionOf = divisionCode ? known.divisions.get(divisionCode) : undefined;
    if (divisionCode && !divisionOf) problem('divisionCode', `division ${divisionCode} does not exist`);
    if (divisionOf && departmentCode && divisionOf !== departmentCode) problem('divisionCode', `division ${divisionCode} belongs to department ${divisionOf}, not to ${departmentCode}`);
    for (const field of catalog.lists?.departments ?? []) {
      for (const v of refs(field)) if (!known.departments.has(v)) problem(field, `department ${v} does not exist`);
    }
    for (const field of catalog.lists?.items ?? []) {
      for (const v of refs(field)) if (!known.catalogItems.has(v)) problem(field, `${v} is neither an approval item nor a supervision item`);
    }
  }
  const items = parsed.map((p) => p.data).filter((d): d is z.output<S> => d !== undefined);
  return { problems, items };
}
