// drizzle's statements reach PostgreSQL as prepared statements (db/client.ts): a repeated
// statement is then one round trip instead of two and is not parsed again. PostgreSQL lists a
// session's prepared statements in pg_prepared_statements; a transaction keeps one connection,
// so the statements it ran are visible there.
import { afterAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createDatabase } from '../../db/client.js';
import { tasks } from '../../db/schema/index.js';
import { loadConfig } from '../../runtime/config.js';

const url = process.env.DATABASE_URL!;
const prepared = createDatabase(url, { max: 1 });
const plain = createDatabase(url, { max: 1, prepare: false });

afterAll(async () => {
  await prepared.close();
  await plain.close();
});

/** Runs a parameterised drizzle select twice in a transaction and reports whether the session prepared it. */
async function preparesIn(database: ReturnType<typeof createDatabase>): Promise<boolean> {
  const marker = `task-prepared-probe-${Math.random().toString(36).slice(2)}`;
  return database.db.transaction(async (tx) => {
    await tx.select().from(tasks).where(eq(tasks.taskId, marker));
    await tx.select().from(tasks).where(eq(tasks.taskId, marker));
    const rows = await tx.execute<{ statement: string }>(sql`select statement from pg_prepared_statements where statement like ${'%from "tasks" where "tasks"."task_id" = $1%'}`);
    return rows.length > 0;
  });
}

describe('prepared statements', () => {
  it('drizzle statements are prepared, also inside transactions', async () => {
    expect(await preparesIn(prepared)).toBe(true);
  });

  it('are not prepared with prepare: false (DATABASE_PREPARE=false)', async () => {
    expect(await preparesIn(plain)).toBe(false);
  });

  it('a prepared statement answers with the same rows and types as an unprepared one', async () => {
    const q = (d: ReturnType<typeof createDatabase>) => d.db.select({ n: sql<number>`${41}::int + 1`.mapWith(Number), at: tasks.pushedAt }).from(tasks).limit(1);
    const read = (d: ReturnType<typeof createDatabase>) => d.db.execute<{ n: number; at: string }>(sql`select ${41}::int + 1 as n, ${'2026-11-24T01:00:00Z'}::timestamptz as at`);
    for (let i = 0; i < 2; i++) {
      // twice: the second run executes the statement prepared by the first
      const [a] = await read(prepared);
      const [b] = await read(plain);
      expect(a).toEqual({ n: 42, at: '2026-11-24 01:00:00+00' });
      expect(b).toEqual(a);
      expect(await q(prepared)).toEqual(await q(plain));
    }
  });

  it('DATABASE_PREPARE defaults to true and reads false', () => {
    expect(loadConfig({}).env.DATABASE_PREPARE).toBe(true);
    expect(loadConfig({ DATABASE_PREPARE: 'false' }).env.DATABASE_PREPARE).toBe(false);
  });
});
