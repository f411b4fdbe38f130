// `--engine dev|cluster`: which Temporal a bench runs both its sides on. `dev` (the default) is
// `temporal server start-dev` (SQLite); `cluster` is the real server v1.32.1 on PostgreSQL
// (scripts/stack/cluster.ts, docs/cluster.md). Kept apart from stack.ts so that the benches
// without Temporal (deadline, read-model) can take the flag without loading the SDK.
import { NUM_HISTORY_SHARDS, TEMPORAL_SERVER_VERSION } from '../stack/cluster.js';

export type Engine = 'dev' | 'cluster';
export const ENGINES: readonly Engine[] = ['dev', 'cluster'];

/** The engine named by `--engine` (default dev); an unknown one stops the script with a message that names it. */
export function engineOf(argv: string[]): Engine {
  const i = argv.indexOf('--engine');
  if (i < 0) return 'dev';
  const value = argv[i + 1];
  if (!ENGINES.includes(value as Engine)) {
    console.error(`--engine: expected one of ${ENGINES.join(', ')}, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`);
    process.exit(2);
  }
  return value as Engine;
}

/** What a report says of its engine. */
export const engineLabel = (e: Engine): string =>
  e === 'cluster' ? `engine cluster (Temporal server ${TEMPORAL_SERVER_VERSION}, PostgreSQL persistence, ${NUM_HISTORY_SHARDS} history shards)` : 'engine dev (temporal server start-dev, SQLite)';

/** For a bench that runs no Temporal: `--engine` is accepted (so one command line serves every bench) and its report says so. */
export const noEngineLabel = (argv: string[]): string =>
  `no Temporal engine (${argv.includes('--engine') ? `--engine ${engineOf(argv)} accepted, changes nothing` : 'the same on dev and cluster'})`;
