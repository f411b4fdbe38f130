// The draw of a random-inspection plan (双随机, issue #27), in three recorded steps: the commit
// fixes the plan's content hash and the seed (from that hash and a value published beforehand)
// before anyone reads the population; the snapshot keeps the population, the roster and the
// conflicts as they are then; the draw reads that snapshot alone. The PRNG and the population
// are data for the activities (activities/draw/), never workflow code: the workflow stays
// deterministic, and anyone can re-run the draw from its record.
import { ParentClosePolicy, allHandlersFinished, condition, setCurrentDetails, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import { run } from './acts.js';
import { planCommittedUpdate, type InspectionDrawInput, type InspectionDrawOutput, type PlanCommit, type SupervisionTaskInput, type VerifyDrawWorkflowInput } from './contracts.js';
import { SgCreditCode, SgDepartment, SgDivision, SgRegion } from './domain/search-attributes.js';
import { supervisionTask } from './supervisionTask.js';

export async function inspectionDraw(input: InspectionDrawInput): Promise<InspectionDrawOutput> {
  let commit: PlanCommit | undefined;
  // Update, not query: the committing caller gets the seed back as soon as it is recorded.
  setHandler(planCommittedUpdate, async () => {
    await condition(() => commit !== undefined);
    return commit!;
  });
  setCurrentDetails(`plan ${input.planId}: committing (content hash and seed)`);
  commit = await run('commitPlan', `commit of plan ${input.planId}: seed from its content and "${input.beacon}"`, input);
  setCurrentDetails(`plan ${input.planId}: seed ${commit.seed.slice(0, 12)}…; recording the population snapshot`);
  const snap = await run('snapshotDraw', `population snapshot of plan ${input.planId}`, { planId: input.planId });
  setCurrentDetails(`plan ${input.planId}: drawing from ${snap.populationSize} entities (snapshot sha-256 ${snap.snapshotHash.slice(0, 12)}…)`);
  const done = await run('runDraw', `draw of plan ${input.planId} from snapshot ${snap.snapshotHash.slice(0, 12)}…`, { drawId: snap.drawId });
  // 双随机 item 3: every staffed target a supervision task of origin random-inspection, this
  // plan's workflow its parent; the plan is done when every task has ended.
  const start = (t: SupervisionTaskInput) =>
    startChild(supervisionTask, {
      workflowId: t.taskId,
      parentClosePolicy: ParentClosePolicy.TERMINATE,
      staticSummary: `random inspection ${t.origin.no} of plan ${input.planId} by ${t.departmentCode} / ${t.divisionCode}`,
      typedSearchAttributes: [
        { key: SgCreditCode, value: t.creditCode },
        { key: SgRegion, value: t.regionCode },
        { key: SgDepartment, value: t.departmentCode },
        { key: SgDivision, value: t.divisionCode },
      ],
      args: [t],
    });
  const children: Array<Awaited<ReturnType<typeof start>>> = [];
  // In pages of targets: each page's inputs one activity result, well under the payload limit.
  for (let after: number | null = 0; after !== null; ) {
    const page: { tasks: SupervisionTaskInput[]; next: number | null } = await run('openInspectionTasks', `random-inspection tasks of plan ${input.planId} after target ${after}`, { drawId: snap.drawId, parentWorkflowId: workflowInfo().workflowId, after });
    children.push(...(await Promise.all(page.tasks.map(start))));
    after = page.next;
  }
  setCurrentDetails(`plan ${input.planId}: ${done.targets} targets drawn (result sha-256 ${done.resultHash.slice(0, 12)}…), ${children.length} task(s) open`);
  const results = await Promise.all(children.map((c) => c.result()));
  setCurrentDetails(`plan ${input.planId}: ${results.length} task(s) ended`);
  await condition(allHandlersFinished);
  return { ...commit, ...snap, ...done };
}

/** Re-runs a recorded draw from its seed and snapshot (POST /v1/inspection-draws/{id}/verify). */
export async function verifyInspectionDraw(input: VerifyDrawWorkflowInput) {
  return run('verifyRecordedDraw', `re-run of draw ${input.drawId}`, { drawId: input.drawId, actor: input.actor, verificationId: workflowInfo().workflowId });
}

/** 一公开, once a day (a Temporal Schedule at 09:00 Asia/Shanghai): every result recorded and not withdrawn goes on the public feed. */
export async function publishInspections(): Promise<{ day: string; published: number; late: number }> {
  const r = await run('publishDueResults', 'publish the recorded random-inspection results (一公开)', {});
  setCurrentDetails(`${r.day}: ${r.published} result(s) published${r.late ? `, ${r.late} after their due date` : ''}`);
  return r;
}
