// approvalCase: one per application (workflow id case-<applicationNo>). Submission → credit
// pre-check → route → decision → licence and dossier → one supervisionTask child per confirmed
// linkage → closed when every task is closed.
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import { run } from './acts.js';
import {
  FailureType,
  caseStateQuery,
  decideUpdate,
  linkagesChangedSignal,
  submitUpdate,
  taskId,
  type ApprovalCaseInput,
  type ApprovalCaseResult,
  type CaseRegistration,
  type CaseStage,
  type CaseState,
  type DecisionArgs,
} from './contracts.js';
import { decideRoute } from './domain/routing.js';
import { formatShanghai } from './domain/format.js';
import { supervisionTask } from './supervisionTask.js';

/** Patch id of the unrouted alert with its daily re-check. */
export const UNROUTED_ALERT_PATCH = 'unrouted-alert-and-daily-recheck';

export async function approvalCase(input: ApprovalCaseInput): Promise<ApprovalCaseResult> {
  const { applicationNo } = input;
  let stage: CaseStage = 'submitted';
  let registration: CaseRegistration | undefined;
  let approvalDepartment: string | undefined;
  let decision: DecisionArgs | undefined;
  let dossierId: number | null = null;
  let linkagesChanged = false;
  const tasks: CaseState['tasks'] = [];

  const moveTo = (next: CaseStage, details: string) => {
    stage = next;
    upsertSearchAttributes({ SgStage: [next] });
    setCurrentDetails(`**${next}** — ${details}`);
  };

  setHandler(caseStateQuery, () => ({ applicationNo, stage, route: registration?.route, routeReason: registration?.routeReason, decision: decision?.outcome, tasks }));

  // Update, not signal: the API answers the caller with the route once the pre-check is done,
  // and a repeated submission with another body gets a synchronous "no".
  setHandler(
    submitUpdate,
    async () => {
      await condition(() => registration !== undefined);
      return registration!;
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== input.requestHash) {
          throw ApplicationFailure.create({ type: FailureType.Conflict, message: `application ${applicationNo} was already submitted with a different body`, nonRetryable: true });
        }
      },
    },
  );

  setHandler(
    decideUpdate,
    async (args) => {
      decision = args; // set before any await so a second decision is refused by the validator
      const decidedAt = new Date().toISOString();
      const r = await run('recordDecision', `decision: ${args.outcome} by ${args.actor.sub}`, {
        applicationNo,
        outcome: args.outcome,
        opinion: args.opinion,
        actor: args.actor,
        decidedAt,
        materials: input.materials,
        commitmentText: input.commitment?.text,
      });
      dossierId = r.dossierId;
      return { applicationNo, stage: args.outcome === 'approve' ? 'licensed' : 'rejected', decision: args.outcome, licenceStatus: args.outcome === 'approve' ? 'issued' : 'none' };
    },
    {
      validator: (args) => {
        if (stage !== 'awaiting-decision' || decision) {
          throw ApplicationFailure.create({ type: FailureType.InvalidState, message: `case ${applicationNo} is ${decision ? 'already decided' : stage}, not awaiting a decision`, nonRetryable: true });
        }
        if (args.actor.department !== approvalDepartment) {
          throw ApplicationFailure.create({ type: FailureType.Forbidden, message: `case ${applicationNo} belongs to department ${approvalDepartment}`, nonRetryable: true });
        }
      },
    },
  );

  setHandler(linkagesChangedSignal, () => {
    linkagesChanged = true;
  });

  /**
   * No case is left without a supervisor (seed 004 §5(一)): the regional admin and the
   * coordinating office are alerted, and the case routes as soon as a linkage is confirmed —
   * told by a signal, and re-checked once a day in case a signal is lost.
   */
  async function waitForRouting() {
    moveTo('unrouted', `item ${input.itemCode} has no confirmed supervision linkage; alert raised`);
    await run('recordCaseStage', 'unrouted: no confirmed linkage', { applicationNo, step: 'unrouted', stage: 'unrouted', kind: 'unrouted', summary: `no confirmed linkage for item ${input.itemCode}: waiting for one` });
    await run('raiseUnroutedAlert', `alert: case ${applicationNo} has no supervisor`, { applicationNo, itemCode: input.itemCode, regionCode: item.regionCode });
    for (const kind of ['regional-admin', 'coordinating-office'] as const) {
      await run('notify', `unrouted alert to the ${kind} of ${item.regionCode}`, {
        businessKey: `unrouted:${applicationNo}:${kind}`,
        recipient: { kind, regionCode: item.regionCode },
        template: 'unrouted-alert',
        params: { applicationNo, item: item.itemName },
        applicationNo,
      });
    }
    let found: Awaited<ReturnType<typeof resolve>> = [];
    const resolve = () => run('resolveLinkages', `confirmed linkages of item ${input.itemCode} now`, { itemCode: input.itemCode, applicationNo, latest: true });
    while (found.length === 0) {
      // Reset only after waking: a signal that came while the alerts went out is not lost.
      await condition(() => linkagesChanged, '24 hours', { summary: `waiting for a confirmed linkage of ${input.itemCode} (re-checked daily)` });
      linkagesChanged = false;
      found = await resolve();
    }
    await run('resolveUnroutedAlert', 'unrouted alert resolved', { applicationNo, departments: found.map((l) => l.departmentCode) });
    return found;
  }

  // ── registration: catalog version, credit pre-check, route ──
  setCurrentDetails(`**submitted** — item ${input.itemCode}, applicant ${input.applicant.name} (${input.applicant.creditCode})`);
  const item = await run('openCase', `open case ${applicationNo} (item ${input.itemCode})`, input);
  approvalDepartment = item.approvalDepartmentCode;
  moveTo('credit-check', `querying the credit platform for ${input.applicant.creditCode}`);
  const credit = await run('creditPreCheck', `credit pre-check of ${input.applicant.creditCode}`, { applicationNo, creditCode: input.applicant.creditCode });
  // Until the commitment scenarios run as workflow branches, every case takes the standard
  // route; the policy still records why commitment was or was not open to the applicant.
  const policy = decideRoute(input.route, credit, { commitmentAllowed: item.commitmentAllowed });
  const routing =
    policy.route === 'commitment'
      ? { route: 'standard' as const, reason: `standard route: commitment approval is not available yet (${policy.reason})` }
      : policy;
  const route = await run('recordRoute', `${routing.route} route: ${routing.reason}`, { applicationNo, route: routing.route, reason: routing.reason, statutoryDays: item.statutoryDays, itemCode: input.itemCode });
  registration = { applicationNo, stage: 'awaiting-decision', route: routing.route, routeReason: routing.reason };
  moveTo('awaiting-decision', `${routing.route} route; decision due ${formatShanghai(route.decisionDueAt)}`);

  // ── decision ──
  await condition(() => decision !== undefined && (decision.outcome === 'reject' || dossierId !== null));
  if (decision!.outcome === 'reject') {
    moveTo('rejected', `rejected by ${decision!.actor.sub}`);
    await run('recordCaseStage', 'close: rejected', { applicationNo, step: 'closed', stage: 'rejected', kind: 'case-closed', summary: 'application rejected; nothing to supervise', close: true });
    await condition(allHandlersFinished);
    return { applicationNo, outcome: 'rejected', closeReason: 'application rejected' };
  }
  moveTo('licensed', 'licence issued; pushing the dossier to supervision');

  // ── push: one supervision task per confirmed linkage ──
  let links = await run('resolveLinkages', `linkages pinned for item ${input.itemCode}`, { itemCode: input.itemCode, applicationNo });
  if (links.length === 0 && patched(UNROUTED_ALERT_PATCH)) {
    links = await waitForRouting();
  }
  while (links.length === 0) {
    // No case is left without a supervisor: it waits, on the record, until a linkage is confirmed.
    moveTo('unrouted', `item ${input.itemCode} has no confirmed supervision linkage`);
    await run('recordCaseStage', 'unrouted: no confirmed linkage', { applicationNo, step: 'unrouted', stage: 'unrouted', kind: 'unrouted', summary: `no confirmed linkage for item ${input.itemCode}: waiting for one` });
    linkagesChanged = false;
    await condition(() => linkagesChanged);
    links = await run('resolveLinkages', `confirmed linkages of item ${input.itemCode}`, { itemCode: input.itemCode });
  }
  moveTo('supervising', `${links.length} supervision task(s): ${links.map((l) => l.departmentCode).join(', ')}`);
  // The push is on the record before any task exists, so the trail reads push → task → SMS.
  await run('recordCaseStage', `dossier pushed to ${links.length} department(s)`, {
    applicationNo,
    step: 'supervising',
    stage: 'supervising',
    kind: 'pushed',
    summary: `dossier pushed to ${links.length} supervising department(s): ${links.map((l) => l.departmentCode).join(', ')}`,
    detail: { taskIds: links.map((l) => taskId(applicationNo, l.departmentCode)) },
  });
  const children = [];
  for (const link of links) {
    const id = taskId(applicationNo, link.departmentCode);
    tasks.push({ taskId: id, departmentCode: link.departmentCode, status: 'open' });
    children.push(
      await startChild(supervisionTask, {
        workflowId: id,
        parentClosePolicy: ParentClosePolicy.TERMINATE,
        staticSummary: `supervision of ${applicationNo} by ${link.departmentCode} / ${link.divisionCode}`,
        staticDetails: `item ${input.itemCode}, applicant ${input.applicant.name} (${input.applicant.creditCode})`,
        searchAttributes: {
          SgApplicationNo: [applicationNo],
          SgCreditCode: [input.applicant.creditCode],
          SgItemCode: [input.itemCode],
          SgRegion: [item.regionCode],
          SgDepartment: [link.departmentCode],
          SgDivision: [link.divisionCode],
          SgStage: ['awaiting-claim'],
        },
        args: [
          {
            taskId: id,
            applicationNo,
            caseWorkflowId: workflowInfo().workflowId,
            departmentCode: link.departmentCode,
            divisionCode: link.divisionCode,
            supervisionItemCode: link.supervisionItemCode,
            dossierId: dossierId!,
            creditCode: input.applicant.creditCode,
            applicantName: input.applicant.name,
            itemCode: input.itemCode,
            itemName: item.itemName,
            regionCode: item.regionCode,
          },
        ],
      }),
    );
  }

  // ── wait for every task to close ──
  await Promise.all(
    children.map(async (child, i) => {
      const result = await child.result();
      tasks[i] = { ...tasks[i]!, status: 'closed', result: result.result };
      log.info('supervision task closed', { taskId: result.taskId, result: result.result });
    }),
  );
  moveTo('closed', 'every supervision task is closed');
  await run('recordCaseStage', 'close: every task closed', { applicationNo, step: 'closed', stage: 'closed', kind: 'case-closed', summary: `case closed: every supervision task closed (${tasks.map((t) => `${t.departmentCode}: ${t.result}`).join('; ')})`, close: true });
  await condition(allHandlersFinished);
  return { applicationNo, outcome: 'closed', closeReason: 'every supervision task closed' };
}
