// Bulk import of the two notice catalogs (docs/notices.md): the business-scope mapping and the
// division of powers (市县分工), JSON `{ items: [...] }` or CSV, the directories' way
// (api/routes/inspections/bulk.ts registerImport): every row checked as a single entry is
// (notice-catalogs.ts), all or nothing, every bad row named; a file whose every problem is a
// row outside the caller's area is 403.
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsync } from 'fastify';
import type { z } from 'zod';
import { savePowerDivision, saveScopeMapping } from '../../../db/queries/notices.js';
import { changeActorOf, type Principal } from '../../auth.js';
import { HttpProblem } from '../../errors.js';
import { registerImport, type CheckedRow } from '../inspections/bulk.js';
import { acceptCsv } from './import.js';
import type { RowProblem } from './import-rows.js';
import { checkMapping, checkPower, mappingSchema, powerSchema } from './notice-catalogs.js';

/** Each row through the single entry's check; its refusal named by the row (403: outside the caller's area). */
function byRow<T>(check: (app: FastifyInstance, p: Principal, row: T) => Promise<void>, app: FastifyInstance) {
  return async (p: Principal, rows: Array<CheckedRow<T>>): Promise<RowProblem[]> => {
    const found: RowProblem[] = [];
    for (const row of rows) {
      try {
        await check(app, p, row.value);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        found.push({ field: row.at, message: err.message, ...(err.status === 403 && { forbidden: true }) });
      }
    }
    return found;
  };
}

const noticeCatalogImports: FastifyPluginAsync = async (app) => {
  acceptCsv(app);
  const common = { tags: ['catalog'], roles: ['regional-admin'] as const };
  registerImport(app, {
    ...common,
    url: '/v1/scope-mappings/import',
    operationId: 'importScopeMappings',
    noun: 'business-scope mappings (经营范围 → approval items)',
    schema: mappingSchema,
    key: (m: z.output<typeof mappingSchema>) => `${m.regionCode}:${m.term}:${m.approvalItemCode}`,
    check: byRow(checkMapping, app),
    write: (tx, m, p) => saveScopeMapping(tx, m, changeActorOf(p)),
  });
  registerImport(app, {
    ...common,
    url: '/v1/power-divisions/import',
    operationId: 'importPowerDivisions',
    noun: 'division-of-powers entries (市县分工)',
    schema: powerSchema,
    key: (e: z.output<typeof powerSchema>) => `${e.regionCode}:${e.approvalItemCode}`,
    check: byRow(checkPower, app),
    write: (tx, e, p) => savePowerDivision(tx, e, changeActorOf(p)),
  });
};

export default noticeCatalogImports;
