// Registration (受理): the catalog version the case keeps, the credit pre-check (审批事前信用查询)
// and the route — standard, or 告知承诺 under a scenario the item allows.
import { ApplicationFailure, condition, setCurrentDetails, setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { FailureType, submitUpdate, type Route } from '../contracts.js';
import { formatShanghai } from '../domain/format.js';
import { decideRoute, type CreditFacts } from '../domain/routing.js';
import type { Deadline } from '../window.js';
import type { CaseRun } from './state.js';

type Routing = { route: Route; reason: string };
type Credit = CreditFacts;

// Update, not signal: the API answers the caller with the route once the pre-check is done,
// and a repeated submission with another body gets a synchronous "no".
export function handleSubmit(c: CaseRun): void {
  setHandler(
    submitUpdate,
    async () => {
      await condition(() => c.registration !== undefined);
      return c.registration!;
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== c.input.requestHash) {
          throw ApplicationFailure.create({ type: FailureType.Conflict, message: `application ${c.applicationNo} was already submitted with a different body`, nonRetryable: true });
        }
      },
    },
  );
}

/** Credit-based routing; a commitment route needs a scenario the item allows and a signed commitment. */
function chooseRoute(c: CaseRun, credit: Credit): Routing {
  const item = c.item!;
  const policy = decideRoute(c.input.route, credit, { commitmentAllowed: item.commitmentAllowed, minimumGrade: item.commitmentMinimumGrade });
  if (policy.route !== 'commitment') return policy;
  const wanted = c.input.commitment?.scenario;
  if (!wanted) return { route: 'standard', reason: 'standard route: no commitment (承诺书) was signed with the application' };
  if (!item.commitmentScenarios.includes(wanted)) return { route: 'standard', reason: `standard route: the item does not allow the ${wanted} scenario` };
  return { route: 'commitment', reason: `${policy.reason}; scenario ${wanted}` };
}

/** 材料核验: the listed materials are checked against e-licence data; a mismatch falls back to the standard route. */
async function verifyByElicence(c: CaseRun, routing: Routing): Promise<Routing> {
  c.moveTo('verifying', 'checking materials against e-licences (电子证照)');
  // The materials the item's catalog entry names as verifiable: nothing listed, nothing verified.
  const materials = c.item!.verifiableMaterials ?? [];
  if (materials.length === 0) return { route: 'standard', reason: 'standard route: the item names no material verifiable against e-licences (材料核验)' };
  const v = await run('verifyMaterials', `verify ${materials.length} material(s) against e-licences`, { applicationNo: c.applicationNo, creditCode: c.input.applicant.creditCode, materials });
  if (v.allOk) return routing;
  const failed = v.results.filter((r) => !r.ok).map((r) => r.reason ?? r.material);
  return { route: 'standard', reason: `standard route: e-licence verification failed (${failed.join('; ')})` };
}

/** Opens the case, pre-checks credit and routes it; answers the decision deadline. */
export async function register(c: CaseRun): Promise<Deadline> {
  const { input, applicationNo } = c;
  const { creditCode } = input.applicant;
  // No name or phone in what the Temporal UI shows unencrypted (details, summaries, search attributes).
  setCurrentDetails(`**submitted** — item ${input.itemCode}, applicant ${creditCode}`);
  c.item = await run('openCase', `open case ${applicationNo} (item ${input.itemCode})`, input);
  c.moveTo('credit-check', `querying the credit platform for ${creditCode}`);
  const credit = await run('creditPreCheck', `credit pre-check of ${creditCode}`, { applicationNo, creditCode });
  let routing = chooseRoute(c, credit);
  if (routing.route === 'commitment' && input.commitment?.scenario === 'verification') routing = await verifyByElicence(c, routing);
  const scenario = routing.route === 'commitment' ? input.commitment?.scenario : undefined;
  c.scenario = scenario;
  const route = await run('recordRoute', `${routing.route} route: ${routing.reason}`, { applicationNo, route: routing.route, reason: routing.reason, statutoryDays: c.item.statutoryDays, itemCode: input.itemCode, scenario });
  c.registration = { applicationNo, stage: 'awaiting-decision', route: routing.route, routeReason: routing.reason, scenario };
  c.moveTo('awaiting-decision', `${routing.route} route${scenario ? ` (${scenario})` : ''}; decision due ${formatShanghai(route.decisionDueAt)}`);
  return { dueAt: route.decisionDueAt, remindAt: route.remindAt ?? null };
}
