// The PostgreSQL pool as `app.db`. A pool handed in (tests, benchmarks) stays its owner's; one
// this plugin opens from the config it closes when the app closes.
import fp from 'fastify-plugin';
import { createDatabase, type Database, type Db } from '../../db/client.js';
import { requireDatabaseUrl, type AppConfig } from '../../runtime/config.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export default fp<{ config: AppConfig; database?: Database }>(
  async (app, { config, database }) => {
    const pool = database ?? createDatabase(requireDatabaseUrl(config), { max: config.env.DATABASE_POOL_MAX, prepare: config.env.DATABASE_PREPARE });
    app.decorate('db', pool.db);
    if (!database) app.addHook('onClose', () => pool.close());
  },
  { name: 'database' },
);
