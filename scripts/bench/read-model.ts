// npm run bench:read-model [-- --quick] [-- --tasks N] [-- --engine dev|cluster: accepted, changes nothing]
// The read model at scale: N supervision tasks (default 1,000,000) in PostgreSQL; the inbox and a
// month's timeliness statistics through the real API (app.inject: auth, zod, SQL, serialisation),
// p50/p99, against the inbox's bare SQL and, for the statistics, against the way they were
// counted before (the month's rows loaded into Node: scripts/bench/timeliness-node.ts) in the
// same run, whose figures they must equal. Targets: inbox p99 < 20 ms; statistics p99 < 200 ms.
// No Temporal runs (the routes read PostgreSQL only), so its figures are the same on both engines.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../../api/app.js';
import { createVerifier, signDevToken } from '../../api/auth.js';
import { createDatabase } from '../../db/client.js';
import { timeliness } from '../../db/queries/stats.js';
import { periodTasks } from '../../db/queries/task-period.js';
import { projectRoot } from '../../runtime/config.js';
import { startStack } from '../stack/stack.js';
import { noEngineLabel } from './engine.js';
import { argValue, pct, timedPool } from './stack.js';
import { timelinessInNode } from './timeliness-node.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const N = argValue(argv, '--tasks') ?? (quick ? 50_000 : 1_000_000);

/** One at a time, after five unmeasured calls: each call's ms. */
const time = async (n: number, fn: () => Promise<unknown>): Promise<number[]> => (await timedPool(5, 1, fn), await timedPool(n, 1, fn)).lat;
const line = (name: string, xs: number[]) => console.log(`${name.padEnd(44)} p50 ${pct(xs, 50).toFixed(2).padStart(8)} ms   p99 ${pct(xs, 99).toFixed(2).padStart(8)} ms   (${xs.length} runs)`);

const stack = await startStack({
  dir: path.join(projectRoot, '.data', 'bench', `read-model-${process.pid}`), name: 'bench', ephemeral: true, temporal: false,
  postgres: { database: 'bench', fast: true }, migrate: true, seed: true, env: { RATE_LIMIT_MAX: '1000000', LOG_LEVEL: 'silent' },
});
try {
  const database = createDatabase(stack.databaseUrl, { max: 5 });
  const t0 = performance.now();
  // One case per 4 tasks; tasks spread over a year, 6 supervision divisions, every status.
  await database.sql.unsafe(`
    insert into cases (application_no, workflow_id, item_code, item_version, approval_department_code, region_code,
                       applicant_credit_code, applicant_name, applicant_phone, requested_route, request_hash, stage, submitted_by)
    select 'B' || g, 'case-B' || g, 'SP-FOOD-01', 1, 'LYG-SPJ', '320700', 'C' || (g % 50000), '企业' || g, '13700000000', 'auto', 'h', 'supervising', 'bench'
    from generate_series(1, ${Math.ceil(N / 4)}) g`);
  await database.sql.unsafe(`
    insert into tasks (task_id, application_no, origin_no, department_code, division_code, region_code, applicant_credit_code, status,
                       pushed_at, claim_due_at, claimed_at, claim_overdue, feedback_due_at, feedback_at)
    select 'task-B' || g, 'B' || (1 + (g - 1) / 4), 'B' || (1 + (g - 1) / 4), d.dept, d.div, '320700', 'C' || (g % 50000),
           (array['awaiting-claim','claimed','awaiting-feedback','closed'])[1 + g % 4],
           timestamptz '2026-01-01 00:00+08' + (g * interval '1 second' * (31536000.0 / ${N})),
           timestamptz '2026-01-01 00:00+08' + (g * interval '1 second' * (31536000.0 / ${N})) + interval '3 days',
           case when g % 4 = 0 then null else timestamptz '2026-01-01 00:00+08' + (g * interval '1 second' * (31536000.0 / ${N})) + (g % 97) * interval '1 hour' end,
           g % 4 = 0 and g % 3 = 0,
           case when g % 4 >= 2 then timestamptz '2026-01-01 00:00+08' + (g * interval '1 second' * (31536000.0 / ${N})) + interval '9 days' end,
           case when g % 4 = 3 then timestamptz '2026-01-01 00:00+08' + (g * interval '1 second' * (31536000.0 / ${N})) + (g % 11) * interval '1 day' end
    from generate_series(1, ${N}) g
    cross join lateral (select (array['LYG-SJJ','LYG-SJJ','LYG-WJW','LYG-ZJJ','LYG-SJJ','LYG-WJW'])[1 + g % 6] as dept,
                               (array['LYG-SJJ-SPJY','LYG-SJJ-TZSB','LYG-WJW-GGWS','LYG-ZJJ-JZSC','LYG-SJJ-YLQX','LYG-WJW-GGWS'])[1 + g % 6] as div) d`);
  // As autovacuum keeps a live table: statistics and the visibility map (index-only scans).
  await database.sql.unsafe('vacuum analyze');
  console.log(`read model at scale, ${quick ? 'quick' : 'full'} run, ${noEngineLabel(argv)}: ${N.toLocaleString('en')} tasks loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const config = stack.config;
  const app = await buildApp({ config, database, temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), verifier: await createVerifier(config) });
  const division = await signDevToken(config, { sub: 'bench', role: 'supervision', department: 'LYG-SJJ', division: 'LYG-SJJ-SPJY' });
  const operator = await signDevToken(config, { sub: 'bench-ops', role: 'operator' });
  const inject = async (url: string, token: string) => {
    const r = await app.inject({ method: 'GET', url: url, headers: { authorization: `Bearer ${token}` } });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
  };
  const runs = quick ? 50 : 300;
  const api = await time(runs, () => inject('/v1/tasks?status=awaiting-claim&limit=50', division));
  const bare = await time(runs, () =>
    // The inbox's order: the next deadline whatever its kind (the expression of the inbox indexes, db/schema/cases.ts), then the task id.
    database.sql`select * from tasks where department_code = 'LYG-SJJ' and division_code = 'LYG-SJJ-SPJY' and status = 'awaiting-claim'
      order by (case status when 'awaiting-claim' then claim_due_at when 'awaiting-feedback' then feedback_due_at when 'awaiting-reinspection' then reinspection_due_at when 'rectifying' then rectification_due_at end), task_id limit 50`,
  );
  // March 2026 as the route counts it: 00:00 on the 1st to 24:00 on the 31st, Asia/Shanghai, live regions.
  const period = { start: new Date('2026-03-01T00:00:00+08:00'), end: new Date('2026-04-01T00:00:00+08:00') };
  const asOf = new Date();
  const [inSql, inNode] = [await timeliness(database.db, period, asOf), await timelinessInNode(database.db, periodTasks(period), asOf)];
  if (!isDeepStrictEqual(inSql, inNode)) throw new Error(`the SQL's figures differ from Node's:\n${JSON.stringify(inSql)}\n${JSON.stringify(inNode)}`);
  const monthRuns = quick ? 10 : 40;
  const month = await time(monthRuns, () => inject('/v1/stats/timeliness?from=2026-03-01&to=2026-03-31', operator));
  const monthSql = await time(monthRuns, () => timeliness(database.db, period, new Date()));
  const monthNode = await time(quick ? 5 : 20, () => timelinessInNode(database.db, periodTasks(period), new Date()));
  line('inbox (API: auth, zod, SQL, serialisation)', api);
  line('inbox (bare SQL, same query)', bare);
  line(`a month's timeliness statistics (API; ${inSql.reduce((n, r) => n + r.received, 0).toLocaleString('en')} tasks)`, month);
  line("  the same, the SQL statement alone", monthSql);
  line("  the same, rows loaded into Node (before)", monthNode);
  console.log(`ratio inbox API/bare p50: ${(pct(api, 50) / pct(bare, 50)).toFixed(2)}`);
  console.log(`ratio statistics API/SQL alone p99: ${(pct(month, 99) / pct(monthSql, 99)).toFixed(2)}; API/before (rows into Node) p99: ${(pct(month, 99) / pct(monthNode, 99)).toFixed(2)} (p50 ${(pct(month, 50) / pct(monthNode, 50)).toFixed(2)}); the figures equal Node's`);
  console.log(`targets: inbox p99 < 20 ms: ${pct(api, 99) < 20 ? 'met' : 'MISSED'}; month statistics p99 < 200 ms: ${pct(month, 99) < 200 ? 'met' : 'MISSED'} (${pct(month, 99).toFixed(0)} ms)`);
  await app.close();
  await database.close();
} finally {
  await stack.stop();
}
