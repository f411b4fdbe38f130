import postgres from 'postgres';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import * as schema from './schema/index.js';

export type Db = PostgresJsDatabase<typeof schema>;

export interface Database {
  db: Db;
  sql: postgres.Sql;
  close(): Promise<void>;
}

/** One pool per process; callers close it on shutdown. */
export function createDatabase(url: string, options: { max?: number; onQuery?: (query: string) => void } = {}): Database {
  const sql = postgres(url, {
    max: options.max ?? 10,
    // For the benchmarks, which count the statements a case costs.
    ...(options.onQuery && { debug: (_conn: number, query: string) => options.onQuery!(query) }),
    onnotice: () => {},
    // timestamptz comes back as Date; everything is stored in UTC.
    connection: { TimeZone: 'UTC' },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}
