// 受理: the ticket registered and routed (one activity), and the hotline's update-with-start
// answered with the route and the reply deadline — or with why no one can take it.
import { ApplicationFailure, allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { run } from '../acts.js';
import { FailureType, intakeUpdate } from '../contracts.js';
import { refuse, type ComplaintRun } from './state.js';

export function handleIntake(c: ComplaintRun): void {
  const { input } = c;
  setHandler(
    intakeUpdate,
    async () => {
      await condition(() => c.reg !== undefined || c.unroutable !== undefined);
      if (c.unroutable) throw c.unroutable;
      return c.state();
    },
    { validator: ({ requestHash }) => void (requestHash !== input.requestHash && refuse(FailureType.Conflict, `ticket ${input.ticketId} of ${input.source} was already received with a different body`)) },
  );
}

export async function register(c: ComplaintRun): Promise<void> {
  const { input } = c;
  try {
    c.reg = await run('registerComplaint', `register ${input.source} ticket ${input.ticketId} and route it`, input);
  } catch (err) {
    // No one to route to (a region without a coordinating office): the hotline hears why (422),
    // nothing is kept, and the run fails so that the ticket can come again once the catalog has it.
    const cause = err instanceof Error ? err.cause : undefined;
    if (!(cause instanceof ApplicationFailure && cause.type === FailureType.CatalogError)) throw err;
    c.unroutable = ApplicationFailure.create({ type: FailureType.CatalogError, message: cause.message, nonRetryable: true });
    await condition(allHandlersFinished);
    throw c.unroutable;
  }
}
