// The messages of 双随机一公开 (issue #27): the draw of a plan (its commit, snapshot and draw),
// its verification, and the daily publication of results (一公开). Only ids and hashes travel
// in payloads; the plan, the snapshot and the roster (inspectors' names) stay in PostgreSQL.
import { defineUpdate } from '@temporalio/workflow';
import type { Actor } from './common.js';

export interface InspectionDrawInput {
  planId: string;
  /** The value published beforehand that the seed is derived from, as published, and where. */
  beacon: string;
  beaconSource: string;
  actor: Actor;
}
/** What the commit fixed: the content hash and the seed, before the population is read. */
export interface PlanCommit {
  planId: string;
  contentHash: string;
  seed: string;
  beacon: string;
}
export interface InspectionDrawOutput extends PlanCommit {
  drawId: string;
  populationSize: number;
  snapshotHash: string;
  targets: number;
  unstaffed: number;
  resultHash: string;
}
export interface VerifyDrawWorkflowInput {
  drawId: string;
  actor?: Actor;
}

/** Answers once the plan's commit is recorded: the API's commit call waits on it (update-with-start). */
export const planCommittedUpdate = defineUpdate<PlanCommit>('planCommitted');

/** One draw per plan: the plan's id makes its draw one workflow, however often commit is retried. */
export const drawWorkflowId = (planId: string) => `draw-${planId}`;
/** The Temporal Schedule that starts `publishInspections` every day at 09:00 Asia/Shanghai. */
export const PUBLICATION_SCHEDULE_ID = 'inspection-publication';
