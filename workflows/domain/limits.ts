// Time limits shared by the workflows' activity options and the configuration that must fit
// inside them. Pure.

/** An activity attempt's start-to-close timeout. */
export const ACTIVITY_START_TO_CLOSE_MS = 30_000;

/** What an attempt keeps for its database writes after the provider answered. */
export const ACTIVITY_WRITE_MARGIN_MS = 5_000;

/** Pause before the adapters' n-th retry within one attempt (n from 1): 200 ms, doubling. */
export const ADAPTER_BACKOFF_MS = 200;

/**
 * The longest an HTTP adapter call can take within one activity attempt: every try timing out,
 * with the backoff between them. It must stay below the attempt's timeout, or a slow provider
 * makes Temporal start a second attempt while the first still calls it.
 */
export function adapterBudgetMs(timeoutMs: number, attempts: number): number {
  return timeoutMs * attempts + ADAPTER_BACKOFF_MS * (2 ** (attempts - 1) - 1);
}
