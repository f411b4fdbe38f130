// 委派 (docs/delegation.md): each delegation of an ordinary task to named officers, in order; the
// latest one is in force. Staff numbers only: the officers' names stay in the directory.
import { pgTable, text, integer, jsonb, timestamp, primaryKey } from 'drizzle-orm/pg-core';
import type { Actor } from './audit.js';
import { tasks } from './cases.js';

export const taskDelegations = pgTable(
  'task_delegations',
  {
    taskId: text('task_id').notNull().references(() => tasks.taskId),
    /** 1, 2, … as the task's workflow counts them: a retried record finds its row. */
    seq: integer('seq').notNull(),
    /** inspectors.id of the officers named, sorted. */
    inspectorIds: jsonb('inspector_ids').$type<string[]>().notNull(),
    reason: text('reason'),
    delegatedBy: jsonb('delegated_by').$type<Actor>().notNull(),
    delegatedAt: timestamp('delegated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.seq] })],
);
