// The two per-region lists, one entry at a time: the inclusive list (包容免罚清单, seed 001) and
// the joint-punishment measures (联合惩戒措施, seed 002). A single POST is checked by the same
// rules as a row of a bulk import (import-rows.ts), written the same way (entries.ts), and makes
// a new version; DELETE withdraws (repeals) an entry, which stays for the records naming it.
import { z } from 'zod';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { repealListEntry, type ListCatalog } from '../../../db/lists.js';
import { leniencyEntryByCode, listLeniencyEntries, listMeasures, measureByCode, type LeniencyEntryRow, type ListFilter, type MeasureRow } from '../../../db/queries/leniency.js';
import type { Db } from '../../../db/client.js';
import { ROLES, changeActorOf, type Principal } from '../../auth.js';
import { jointPunishmentMeasureSchema, leniencyEntrySchema } from '../../catalog-schemas.js';
import { notFound, conflict } from '../../errors.js';
import { code, iso } from '../../schemas.js';
import { jointPunishmentCatalog, leniencyCatalog, type Catalog, type RowSchema } from './entries.js';
import { checkRows } from './import-rows.js';
import { departmentOf, errors, mayWrite } from './scope.js';

const listQuery = z.object({ regionCode: code.optional(), departmentCode: code.optional(), all: z.enum(['true', 'false']).optional().describe('repealed entries too') }).strict();
const codeParam = z.object({ code });
const written = z.object({ code: z.string(), version: z.number().int() });
const repealed = z.object({ code: z.string(), version: z.number().int(), repealedAt: z.string() });
const kept = { version: z.number().int(), repealedAt: z.string().nullable().describe('withdrawn from the list; null while in force') };

const leniencyView = leniencyEntrySchema.extend(kept).meta({ id: 'LeniencyEntry' });
const measureView = jointPunishmentMeasureSchema.extend(kept).meta({ id: 'JointPunishmentMeasure' });

const leniencyOf = ({ updatedAt: _u, ...r }: LeniencyEntryRow): z.infer<typeof leniencyView> => ({ ...r, kind: r.kind as 'first-offence' | 'minor', repealedAt: iso(r.repealedAt) });
const measureOf = ({ updatedAt: _u, ...r }: MeasureRow): z.infer<typeof measureView> => ({ ...r, repealedAt: iso(r.repealedAt) });

/** The single entry checked as an import row is: every problem named, 403 when each is outside the caller's scope, else 422. */
async function checkEntry(app: FastifyInstance, reply: FastifyReply, catalog: Catalog<RowSchema>, p: Principal, body: unknown): Promise<boolean> {
  const { problems } = await checkRows(app.db, catalog, p, [{ at: 'body', value: body }]);
  if (problems.length === 0) return true;
  const status = problems.every((x) => x.forbidden) ? 403 : 422;
  const detail = problems.map((x) => x.message).join('; ');
  await reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:shenguan:problem:${status === 403 ? 'forbidden' : 'unprocessable'}`, title: status === 403 ? 'Forbidden' : 'Unprocessable request', status, detail, errors: problems.map(({ field, message }) => ({ field, message })) });
  return false;
}

interface ListRoutes {
  catalog: Catalog<RowSchema>;
  name: ListCatalog;
  base: string;
  noun: string;
  ids: { list: string; get: string; save: string; repeal: string };
  view: z.ZodType;
  list: (app: FastifyInstance, q: z.infer<typeof listQuery>) => Promise<unknown[]>;
  one: (app: FastifyInstance, code: string) => Promise<{ view: unknown; departmentCode: string; regionCode: string } | undefined>;
}

/** A list's reads: every entry (in force, or all) and one by code, each shown through `of`. */
function readsOf<R extends { departmentCode: string; regionCode: string }>(all: (db: Db, f: ListFilter) => Promise<R[]>, byCode: (db: Db, code: string) => Promise<R | undefined>, of: (r: R) => unknown): Pick<ListRoutes, 'list' | 'one'> {
  return {
    list: async (app, q) => (await all(app.db, { ...q, all: q.all === 'true' })).map(of),
    one: async (app, c) => {
      const r = await byCode(app.db, c);
      return r && { view: of(r), departmentCode: r.departmentCode, regionCode: r.regionCode };
    },
  };
}

const lists: ListRoutes[] = [
  {
    catalog: leniencyCatalog as Catalog<RowSchema>,
    name: 'leniency',
    base: '/v1/leniency-entries',
    noun: 'inclusive-list entry (包容免罚清单: 首违不罚 / 轻微不罚)',
    ids: { list: 'listLeniencyEntries', get: 'getLeniencyEntry', save: 'saveLeniencyEntry', repeal: 'repealLeniencyEntry' },
    view: leniencyView,
    ...readsOf(listLeniencyEntries, leniencyEntryByCode, leniencyOf),
  },
  {
    catalog: jointPunishmentCatalog as Catalog<RowSchema>,
    name: 'joint-punishment',
    base: '/v1/joint-punishment-measures',
    noun: 'joint-punishment measure (联合惩戒措施)',
    ids: { list: 'listJointPunishmentMeasures', get: 'getJointPunishmentMeasure', save: 'saveJointPunishmentMeasure', repeal: 'repealJointPunishmentMeasure' },
    view: measureView,
    ...readsOf(listMeasures, measureByCode, measureOf),
  },
];

const listRoutes: FastifyPluginAsyncZod = async (app) => {
  for (const l of lists) {
    const tags = ['catalog'];
    app.get(l.base, { config: { roles: ROLES }, schema: { operationId: l.ids.list, tags, summary: `The ${l.noun} list, by region`, querystring: listQuery, response: { 200: z.object({ items: z.array(l.view) }), ...errors } } }, async (req) => ({ items: await l.list(app, req.query) }));

    app.get(`${l.base}/:code`, { config: { roles: ROLES }, schema: { operationId: l.ids.get, tags, summary: `One ${l.noun}`, params: codeParam, response: { 200: l.view, ...errors } } }, async (req) => {
      const found = await l.one(app, req.params.code);
      if (!found) throw notFound(`${l.noun} ${req.params.code}`);
      return found.view;
    });

    app.post(
      l.base,
      {
        config: { roles: l.catalog.roles },
        schema: { operationId: l.ids.save, tags, summary: `Create or change a ${l.noun} (a new version)`, description: 'A regional admin writes the entries of departments of its region; a department its own.', body: l.catalog.schema, response: { 200: written, 201: written, ...errors } },
      },
      async (req, reply) => {
        if (!(await checkEntry(app, reply, l.catalog, req.principal, req.body))) return reply;
        // checkEntry also refused a change of an entry another department owns outside the caller's scope.
        const body = req.body as { code: string };
        const r = await app.db.transaction((tx) => l.catalog.write(tx, req.body as never, changeActorOf(req.principal)));
        return reply.code(r.created ? 201 : 200).send({ code: body.code, version: r.version! });
      },
    );

    app.delete(
      `${l.base}/:code`,
      { config: { roles: l.catalog.roles }, schema: { operationId: l.ids.repeal, tags, summary: `Withdraw (repeal) a ${l.noun}; it stays for the records that name it`, params: codeParam, response: { 200: repealed, ...errors } } },
      async (req) => {
        const found = await l.one(app, req.params.code);
        if (!found) throw notFound(`${l.noun} ${req.params.code}`);
        mayWrite(req.principal, await departmentOf(app, found.departmentCode));
        const at = new Date();
        const r = await app.db.transaction((tx) => repealListEntry(tx, l.name, req.params.code, changeActorOf(req.principal), at));
        if (!r) throw conflict(`${l.noun} ${req.params.code} is already repealed`);
        return { code: req.params.code, version: r.version, repealedAt: at.toISOString() };
      },
    );
  }
};

export default listRoutes;
