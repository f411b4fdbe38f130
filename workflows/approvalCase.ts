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
  calendarChangedSignal,
  materialsUpdate,
  revocationUpdate,
  submitUpdate,
  taskId,
  type ApprovalCaseInput,
  type ApprovalCaseResult,
  type CaseRegistration,
  type CaseStage,
  type CaseState,
  type DecisionArgs,
  type CommitmentScenario,
  type LicenceStatus,
  type RevocationArgs,
  type SupervisionTaskResult,
} from './contracts.js';
import { decideRoute } from './domain/routing.js';
import { formatShanghai } from './domain/format.js';
import { supervisionTask } from './supervisionTask.js';

/** Patch id of the closed-loop branches: decision window, commitment scenarios, results and revocation. */
export const CLOSED_LOOP_PATCH = 'closed-loop-branches';
/** Stages a case rests in, waiting for a person or a deadline (generation 2 upserts only these). */
const WAITING_STAGES: ReadonlySet<CaseStage> = new Set(['awaiting-decision', 'awaiting-materials', 'unrouted', 'supervising', 'revocation-pending']);

/** Patch id of the unrouted alert with its daily re-check. */
export const UNROUTED_ALERT_PATCH = 'unrouted-alert-and-daily-recheck';

export async function approvalCase(input: ApprovalCaseInput): Promise<ApprovalCaseResult> {
  const { applicationNo } = input;
  let stage: CaseStage = 'submitted';
  let registration: CaseRegistration | undefined;
  let approvalDepartment: string | undefined;
  let decision: DecisionArgs | undefined;
  let dossierId: number | null = null;
  let decidedAtIso = '';
  let linkagesChanged = false;
  const tasks: CaseState['tasks'] = [];
  // Closed-loop state (CLOSED_LOOP_PATCH).
  let loop = false;
  let scenario: CommitmentScenario | undefined;
  let licenceStatus: LicenceStatus = 'none';
  let materialsReceived: { materials: string[]; at: string } | undefined;
  let pendingRevocation: { allowExtend: boolean } | undefined;
  let revocationDecision: RevocationArgs | undefined;

  const moveTo = (next: CaseStage, details: string, dueAt?: string) => {
    stage = next;
    if (input.generation !== 2 || WAITING_STAGES.has(next)) upsertSearchAttributes({ SgStage: [next], ...(dueAt && { SgDueAt: [new Date(dueAt)] }) });
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
      // 材料延期: decided on the commitment; the licence is issued in full when the materials come.
      const onCommitment = scenario === 'deferred-materials';
      const granted: LicenceStatus = args.outcome !== 'approve' ? 'none' : onCommitment ? 'granted-on-commitment' : 'issued';
      const r = await run('recordDecision', `decision: ${args.outcome} by ${args.actor.sub}`, {
        applicationNo,
        outcome: args.outcome,
        opinion: args.opinion,
        actor: args.actor,
        decidedAt,
        materials: input.materials,
        commitmentText: input.commitment?.text,
        ...(onCommitment && { licenceStatus: 'granted-on-commitment' as const }),
      });
      dossierId = r.dossierId;
      licenceStatus = granted;
      decidedAtIso = decidedAt;
      return { applicationNo, stage: args.outcome !== 'approve' ? 'rejected' : onCommitment ? 'awaiting-materials' : 'licensed', decision: args.outcome, licenceStatus: granted };
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

  const refuse = (type: FailureType, message: string): never => {
    throw ApplicationFailure.create({ type, message, nonRetryable: true });
  };
  const ownDepartment = (department: string | undefined) => {
    if (department !== approvalDepartment) refuse(FailureType.Forbidden, `case ${applicationNo} belongs to department ${approvalDepartment}`);
  };

  setHandler(
    materialsUpdate,
    async ({ materials, actor }) => {
      const at = new Date().toISOString();
      materialsReceived = { materials, at };
      licenceStatus = 'issued';
      await run('recordMaterials', 'deferred materials received', { applicationNo, materials, actor, at, onTime: true });
      return { applicationNo, stage, route: registration?.route, routeReason: registration?.routeReason, decision: decision?.outcome, tasks };
    },
    {
      validator: ({ actor, materials }) => {
        ownDepartment(actor.department);
        if (stage !== 'awaiting-materials' || materialsReceived) refuse(FailureType.InvalidState, `case ${applicationNo} is ${stage}: deferred materials are received while the commitment is open`);
        if (materials.length === 0) refuse(FailureType.Invalid, 'no materials given');
      },
    },
  );

  setHandler(
    revocationUpdate,
    async (args) => {
      revocationDecision = args;
      if (args.action === 'revoke') {
        licenceStatus = 'revoked';
        await run('revokeLicence', `revoke the licence: ${args.reason}`, { applicationNo, actor: args.actor, reason: args.reason, at: new Date().toISOString() });
        return { applicationNo, stage: 'revoked', licenceStatus };
      }
      return { applicationNo, stage: 'awaiting-materials', licenceStatus };
    },
    {
      validator: (args) => {
        ownDepartment(args.actor.department);
        if (!pendingRevocation || revocationDecision) refuse(FailureType.InvalidState, `case ${applicationNo} is ${stage}: no revocation is pending`);
        if (args.action === 'extend') {
          if (!pendingRevocation!.allowExtend) refuse(FailureType.InvalidState, 'a revocation requested by supervision cannot be extended');
          const t = Date.parse(args.newDeadline ?? '');
          if (Number.isNaN(t) || t <= Date.now()) refuse(FailureType.Invalid, 'extend needs a newDeadline in the future');
          if (t > Date.now() + 366 * 86_400_000) refuse(FailureType.Invalid, 'an extension runs for at most a year');
        }
      },
    },
  );

  setHandler(linkagesChangedSignal, () => {
    linkagesChanged = true;
  });

  // A calendar import (new holidays, make-up days) re-times the window the case is waiting in:
  // the decision, the commitment period or the revocation decision (windowUntil).
  const pendingRetimes: number[] = [];
  setHandler(calendarChangedSignal, ({ importId }) => {
    pendingRetimes.push(importId);
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

  /** Credit-based routing; a commitment route needs a scenario the item allows and a signed commitment. */
  function chooseRoute(credit: { grade: 'A' | 'B' | 'C' | 'D'; blacklisted: boolean; brokenCommitments: number }): { route: 'standard' | 'commitment'; reason: string } {
    const policy = decideRoute(input.route, credit, { commitmentAllowed: item.commitmentAllowed, minimumGrade: item.commitmentMinimumGrade });
    if (policy.route !== 'commitment') return policy;
    const wanted = input.commitment?.scenario;
    if (!wanted) return { route: 'standard', reason: 'standard route: no commitment (承诺书) was signed with the application' };
    if (!item.commitmentScenarios.includes(wanted)) return { route: 'standard', reason: `standard route: the item does not allow the ${wanted} scenario` };
    scenario = wanted;
    return { route: 'commitment', reason: `${policy.reason}; scenario ${wanted}` };
  }

  /** 材料核验: the listed materials are checked against e-licence data; a mismatch falls back to the standard route. */
  async function verifyByElicence(routing: { route: 'commitment'; reason: string }): Promise<{ route: 'standard' | 'commitment'; reason: string }> {
    moveTo('verifying', 'checking materials against e-licences (电子证照)');
    const materials = input.commitment?.deferredMaterials ?? [];
    const v = await run('verifyMaterials', `verify ${materials.length} material(s) against e-licences`, { applicationNo, creditCode: input.applicant.creditCode, materials });
    if (v.allOk) return routing;
    const failed = v.results.filter((r) => !r.ok).map((r) => r.reason ?? r.material);
    return { route: 'standard', reason: `standard route: e-licence verification failed (${failed.join('; ')})` };
  }

  /** Waits until `done`, with a reminder at `remindAt` and an overdue mark at `dueAt`; true when it came in time. */
  async function windowUntil(spec: {
    window: 'decision' | 'commitment' | 'revocation';
    done: () => boolean;
    dueAt: string;
    remindAt: string | null;
    label: string;
    remind: (dueAt: string) => Promise<unknown>;
    overdue: (dueAt: string) => Promise<unknown>;
    /** The deadline moved (a calendar import): the stage's search attribute follows it. */
    retimed: (dueAt: string) => void;
  }): Promise<boolean> {
    let { dueAt, remindAt } = spec;
    let remindedFor: string | null = null;
    for (;;) {
      if (spec.done()) return true;
      // Only when a calendar import signalled: histories without one run exactly as before.
      const importId = pendingRetimes.shift();
      if (importId !== undefined) {
        const r = await run('retimeCaseWindow', `re-compute the ${spec.label} deadline after calendar import #${importId}`, { applicationNo, window: spec.window, importId, dueAt });
        if (r.dueAt !== dueAt) {
          dueAt = r.dueAt;
          remindAt = r.remindAt;
          spec.retimed(dueAt);
        }
        continue;
      }
      const now = Date.now();
      const due = Date.parse(dueAt);
      if (now >= due) {
        await spec.overdue(dueAt);
        await condition(spec.done);
        return false;
      }
      const remind = remindAt && remindedFor !== dueAt && Date.parse(remindAt) > now ? Date.parse(remindAt) : null;
      const summary = remind ? `${spec.label} reminder ${formatShanghai(remindAt!)} (deadline ${formatShanghai(dueAt)})` : `${spec.label} deadline ${formatShanghai(dueAt)}`;
      const woke = await condition(() => spec.done() || pendingRetimes.length > 0, (remind ?? due) - now, { summary });
      if (!woke && remind) {
        await spec.remind(dueAt);
        remindedFor = dueAt;
      }
    }
  }

  const toHead = (template: 'decision-reminder' | 'commitment-overdue' | 'revocation-request', key: string, params: Record<string, string> = {}) =>
    run('notify', `${template} to the head of ${approvalDepartment}`, {
      businessKey: `${applicationNo}:${key}`,
      recipient: { kind: 'department-head', departmentCode: approvalDepartment! },
      template,
      params: { department: approvalDepartment!, applicationNo, applicant: input.applicant.name, taskId: '', ...params },
      applicationNo,
    });

  /** The statutory decision window of the standard and commitment routes. */
  async function decisionWindow(dueAt: string, remindAt: string | null, done: () => boolean) {
    await windowUntil({
      window: 'decision',
      done,
      dueAt,
      remindAt,
      label: 'decision',
      remind: (due) => toHead('decision-reminder', 'decision-reminder', { dueAt: formatShanghai(due) }),
      overdue: (due) => run('recordCaseStage', 'decision overdue', { applicationNo, step: 'decision-overdue', stage: 'awaiting-decision', kind: 'decision-overdue', summary: `no decision by the statutory deadline ${formatShanghai(due)}: overdue` }),
      retimed: (due) => moveTo('awaiting-decision', `decision due ${formatShanghai(due)} (calendar updated)`, due),
    });
  }

  /**
   * 材料延期: the deferred materials within the commitment period, the applicant reminded the
   * working day before; overdue → the approval department revokes or extends. True when kept.
   */
  async function commitmentPhase(): Promise<boolean> {
    let opened = await run('openCommitment', 'open the commitment period', { applicationNo, itemCode: input.itemCode, from: decidedAtIso });
    for (let round = 1; ; round++) {
      moveTo('awaiting-materials', `deferred materials due ${formatShanghai(opened.dueAt)}`, opened.dueAt);
      let dueAt = opened.dueAt;
      const inTime = await windowUntil({
        window: 'commitment',
        done: () => materialsReceived !== undefined || stage !== 'awaiting-materials',
        dueAt,
        remindAt: opened.remindAt,
        label: 'commitment',
        remind: (due) =>
          run('notify', 'remind the applicant of the deferred materials', {
            businessKey: `${applicationNo}:commitment-reminder:${due}`,
            recipient: { kind: 'applicant', applicationNo },
            template: 'commitment-reminder',
            params: { applicant: input.applicant.name, materials: (input.commitment?.deferredMaterials ?? []).join('、'), dueAt: formatShanghai(due) },
            applicationNo,
          }),
        overdue: async (due) => {
          moveTo('revocation-pending', `deferred materials not received by ${formatShanghai(due)}`);
          await toHead('commitment-overdue', `commitment-overdue:${round}`);
        },
        retimed: (due) => {
          dueAt = due;
          moveTo('awaiting-materials', `deferred materials due ${formatShanghai(due)} (calendar updated)`, due);
        },
      });
      if (inTime && materialsReceived) {
        await run('pushCreditRecord', 'credit record: commitment kept', { businessKey: `${applicationNo}:credit:commitment-kept`, creditCode: input.applicant.creditCode, kind: 'commitment-kept', applicationNo, summary: `deferred materials of ${applicationNo} received in time` });
        return true;
      }
      const d = await revocationPhase({ reason: `deferred materials not received by ${formatShanghai(dueAt)}`, allowExtend: true, step: `revocation-commitment:${round}`, commitmentBroken: true });
      if (d.action === 'revoke') {
        await run('pushCreditRecord', 'credit record: dishonesty (broken commitment)', { businessKey: `${applicationNo}:credit:dishonesty`, creditCode: input.applicant.creditCode, kind: 'dishonesty', applicationNo, summary: `commitment of ${applicationNo} broken: deferred materials not received; licence revoked`, detail: { reason: d.reason } });
        return false;
      }
      opened = await run('openCommitment', 'extend the commitment period', { applicationNo, itemCode: input.itemCode, from: decidedAtIso, deadline: d.newDeadline, step: `commitment-extended:${round}`, actor: d.actor, reason: d.reason });
    }
  }

  /** A revocation waits for the approval department, reminded and escalated like any other window. */
  async function revocationPhase(spec: { reason: string; allowExtend: boolean; step: string; commitmentBroken: boolean }): Promise<RevocationArgs> {
    revocationDecision = undefined;
    pendingRevocation = { allowExtend: spec.allowExtend };
    const w = await run('openRevocation', `revocation pending: ${spec.reason}`, { applicationNo, itemCode: input.itemCode, reason: spec.reason, step: spec.step, commitmentBroken: spec.commitmentBroken });
    moveTo('revocation-pending', `${spec.reason}; decision due ${formatShanghai(w.dueAt)}`, w.dueAt);
    await toHead('revocation-request', `${spec.step}:notice`, { taskId: spec.step });
    await windowUntil({
      window: 'revocation',
      done: () => revocationDecision !== undefined,
      dueAt: w.dueAt,
      remindAt: w.remindAt,
      label: 'revocation decision',
      remind: () => toHead('revocation-request', `${spec.step}:reminder`, { taskId: spec.step }),
      retimed: (due) => moveTo('revocation-pending', `${spec.reason}; decision due ${formatShanghai(due)} (calendar updated)`, due),
      overdue: () =>
        run('notify', 'revocation decision overdue: escalate to the coordinating office', {
          businessKey: `${applicationNo}:${spec.step}:escalation`,
          recipient: { kind: 'coordinating-office', regionCode: item.regionCode },
          template: 'revocation-request',
          params: { department: approvalDepartment!, applicationNo, applicant: input.applicant.name, taskId: spec.step },
          applicationNo,
        }),
    });
    pendingRevocation = undefined;
    return revocationDecision!;
  }

  /** 联动告知: every department linked to the case hears of the revocation. */
  async function tellLinkedDepartments(links: Array<{ departmentCode: string; divisionCode: string }>, reason: string) {
    for (const l of links) {
      await run('notify', `tell ${l.departmentCode} of the revocation`, {
        businessKey: `${applicationNo}:revocation-notice:${l.departmentCode}`,
        recipient: { kind: 'division-admin', divisionCode: l.divisionCode },
        template: 'revocation-notice',
        params: { applicant: input.applicant.name, creditCode: input.applicant.creditCode, item: item.itemName, at: formatShanghai(new Date().toISOString()), reason },
        applicationNo,
      });
    }
  }

  /**
   * Every task's result comes back (双向推送) and is pushed to the credit platform; a revocation
   * request is handled as soon as it arrives, through the approval department. True when revoked.
   */
  async function superviseUntilClosed(children: Array<{ result(): Promise<SupervisionTaskResult> }>): Promise<boolean> {
    const requests: SupervisionTaskResult[] = [];
    let open = children.length;
    const watchers = children.map(async (child, i) => {
      const r = await child.result();
      tasks[i] = { ...tasks[i]!, status: 'closed', result: r.outcome ?? r.result };
      await run('recordResultReceipt', `result of ${r.taskId} received`, { applicationNo, taskId: r.taskId, departmentCode: r.departmentCode ?? tasks[i]!.departmentCode, outcome: r.outcome ?? r.result, result: r.result });
      await run('pushCreditRecord', `credit record: supervision result of ${r.taskId}`, { businessKey: `${r.taskId}:credit:result`, creditCode: input.applicant.creditCode, kind: 'supervision-result', applicationNo, taskId: r.taskId, summary: `supervision result from ${tasks[i]!.departmentCode}: ${r.outcome ?? r.result}` });
      if (r.outcome === 'revocation-requested') requests.push(r);
      open -= 1;
    });
    let revoked = false;
    for (;;) {
      await condition(() => open === 0 || (requests.length > 0 && !revoked));
      const req = requests.shift();
      if (req && !revoked) {
        const broken = req.result === 'commitment-untrue';
        const reason = `requested by ${req.departmentCode}: ${req.reason ?? 'not rectified'}`;
        const d = await revocationPhase({ reason, allowExtend: false, step: `revocation:${req.taskId}`, commitmentBroken: broken });
        revoked = true;
        await tellLinkedDepartments(tasks.map((t, i) => ({ departmentCode: t.departmentCode, divisionCode: links[i]!.divisionCode })), d.reason);
        await run('pushCreditRecord', `credit record: ${broken ? 'broken commitment' : 'revocation'}`, {
          businessKey: `${applicationNo}:credit:${broken ? 'broken-commitment' : 'revocation'}`,
          creditCode: input.applicant.creditCode,
          kind: broken ? 'broken-commitment' : 'revocation',
          applicationNo,
          summary: broken ? `commitment of ${applicationNo} found untrue and not rectified: licence revoked (诚信档案)` : `licence of ${applicationNo} revoked: ${d.reason}`,
          detail: { requestedBy: req.departmentCode, reason: d.reason },
        });
        continue;
      }
      if (open === 0) break;
    }
    await Promise.all(watchers);
    return revoked;
  }

  async function closeCase(final: 'closed' | 'revoked', reason: string): Promise<ApprovalCaseResult> {
    moveTo(final === 'revoked' ? 'revoked' : 'closed', reason);
    await run('recordCaseStage', `close: ${reason}`, { applicationNo, step: 'closed', stage: final, kind: 'case-closed', summary: `case closed: ${reason}`, close: true });
    await condition(allHandlersFinished);
    return { applicationNo, outcome: 'closed', closeReason: reason };
  }

  // ── registration: catalog version, credit pre-check, route ──
  setCurrentDetails(`**submitted** — item ${input.itemCode}, applicant ${input.applicant.name} (${input.applicant.creditCode})`);
  const item = await run('openCase', `open case ${applicationNo} (item ${input.itemCode})`, input);
  approvalDepartment = item.approvalDepartmentCode;
  moveTo('credit-check', `querying the credit platform for ${input.applicant.creditCode}`);
  const credit = await run('creditPreCheck', `credit pre-check of ${input.applicant.creditCode}`, { applicationNo, creditCode: input.applicant.creditCode });
  // Cases started before the closed-loop branches were all routed standard: they keep that.
  loop = input.generation === 2 || patched(CLOSED_LOOP_PATCH);
  let routing: { route: 'standard' | 'commitment'; reason: string };
  if (loop) {
    routing = chooseRoute(credit);
    if (routing.route === 'commitment' && scenario === 'verification') routing = await verifyByElicence({ route: 'commitment', reason: routing.reason });
  } else {
    const policy = decideRoute(input.route, credit, { commitmentAllowed: item.commitmentAllowed });
    routing = policy.route === 'commitment' ? { route: 'standard', reason: `standard route: commitment approval is not available yet (${policy.reason})` } : policy;
  }
  if (routing.route !== 'commitment') scenario = undefined;
  const route = await run('recordRoute', `${routing.route} route: ${routing.reason}`, { applicationNo, route: routing.route, reason: routing.reason, statutoryDays: item.statutoryDays, itemCode: input.itemCode, scenario });
  registration = { applicationNo, stage: 'awaiting-decision', route: routing.route, routeReason: routing.reason, scenario };
  moveTo('awaiting-decision', `${routing.route} route${scenario ? ` (${scenario})` : ''}; decision due ${formatShanghai(route.decisionDueAt)}`);

  // ── decision: within the statutory limit, reminded the working day before, overdue marked ──
  const decided = () => decision !== undefined && (decision.outcome === 'reject' || dossierId !== null);
  if (loop) await decisionWindow(route.decisionDueAt, route.remindAt ?? null, decided);
  else await condition(decided);
  if (decision!.outcome === 'reject') {
    moveTo('rejected', `rejected by ${decision!.actor.sub}`);
    await run('recordCaseStage', 'close: rejected', { applicationNo, step: 'closed', stage: 'rejected', kind: 'case-closed', summary: 'application rejected; nothing to supervise', close: true });
    await condition(allHandlersFinished);
    return { applicationNo, outcome: 'rejected', closeReason: 'application rejected' };
  }
  if (loop && scenario === 'deferred-materials') {
    const kept = await commitmentPhase();
    if (!kept) return await closeCase('revoked', 'licence revoked: deferred materials not received (broken commitment)');
  }
  moveTo('licensed', 'licence issued; pushing the dossier to supervision');

  // ── push: one supervision task per confirmed linkage ──
  let links = await run('resolveLinkages', `linkages pinned for item ${input.itemCode}`, { itemCode: input.itemCode, applicationNo });
  if (links.length === 0 && (input.generation === 2 || patched(UNROUTED_ALERT_PATCH))) {
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
  // It opens the tasks' claim window (results recorded before it did are empty: those tasks
  // open their own, as they did), so each task starts with its deadline as a search attribute.
  const pushed = await run('recordCaseStage', `dossier pushed to ${links.length} department(s)`, {
    applicationNo,
    step: 'supervising',
    stage: 'supervising',
    kind: 'pushed',
    summary: `dossier pushed to ${links.length} supervising department(s): ${links.map((l) => l.departmentCode).join(', ')}`,
    detail: { taskIds: links.map((l) => taskId(applicationNo, l.departmentCode)) },
    claimWindowOf: input.itemCode,
  });
  const claimWindow = pushed?.claimWindow;
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
          ...(claimWindow && { SgDueAt: [new Date(claimWindow.dueAt)] }),
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
            ...(loop && scenario === 'post-verification' && { verifyCommitment: true }),
            ...(input.generation && { generation: input.generation }),
            ...(claimWindow && { claimWindow }),
          },
        ],
      }),
    );
  }

  // ── wait for every task to close; results come back to the approval side, revocations go through it ──
  if (loop) {
    const revoked = await superviseUntilClosed(children);
    if (scenario === 'post-verification' && !revoked) {
      await run('pushCreditRecord', 'credit record: commitment kept', { businessKey: `${applicationNo}:credit:commitment-kept`, creditCode: input.applicant.creditCode, kind: 'commitment-kept', applicationNo, summary: `commitment of ${applicationNo} verified by supervision` });
    }
    return await closeCase(revoked ? 'revoked' : 'closed', revoked ? 'licence revoked at the request of supervision; every supervision task closed' : 'every supervision task closed');
  }
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
