// Migrations under an advisory lock (db/migrate.ts): starters that migrate at once (two APIs
// coming up together) never race; each migration is applied once.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATION_LOCK_KEY, migrationsFolder, runMigrations } from '../../db/migrate.js';

const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
const made: string[] = [];
const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };

/** A new, empty database on the test server; its URL. */
async function freshDatabase(): Promise<string> {
  const name = `migrate_${randomUUID().slice(0, 8)}`;
  await admin.unsafe(`create database ${name}`);
  made.push(name);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function applied(url: string): Promise<Array<{ hash: string; n: number }>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql<Array<{ hash: string; n: number }>>`select hash, count(*)::int as n from drizzle.__drizzle_migrations group by hash`;
  } finally {
    await sql.end();
  }
}

beforeAll(() => expect(journal.entries.length).toBeGreaterThan(1));
afterAll(async () => {
  for (const name of made) await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
});

describe('migrations under an advisory lock', () => {
  it('two starters migrating one fresh database at once both succeed, and each migration is applied once', async () => {
    const url = await freshDatabase();
    await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
    const rows = await applied(url);
    expect(rows).toHaveLength(journal.entries.length);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it('waits while another holds the lock, and touches nothing meanwhile', async () => {
    const url = await freshDatabase();
    const holder = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await holder`select pg_advisory_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      let done = false;
      const migrating = runMigrations(url).then(() => (done = true));
      await new Promise((r) => setTimeout(r, 700));
      expect(done).toBe(false);
      const [schema] = await holder`select count(*)::int as n from information_schema.schemata where schema_name = 'drizzle'`;
      expect(schema!.n).toBe(0);
      await holder`select pg_advisory_unlock(${MIGRATION_LOCK_KEY.toString()}::bigint)`;
      await migrating;
      expect(await applied(url)).toHaveLength(journal.entries.length);
    } finally {
      await holder.end();
    }
  });
});
