// resendNotification: one per operator re-send (id resend-<key>), so a double click or a retried
// POST starts it once. Its one activity writes the new outbox row and the trail step under the
// re-send's own key and hands it to the gateway; a transient provider error is retried.
import { proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ResendNotificationInput } from './contracts.js';
import { ACTIVITY_START_TO_CLOSE_MS } from './domain/limits.js';

const { resendNotification: resend } = proxyActivities<Activities>({
  startToCloseTimeout: ACTIVITY_START_TO_CLOSE_MS,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

export async function resendNotification(input: ResendNotificationInput): Promise<{ businessKey: string; status: 'sent' | 'delivered' | 'failed' }> {
  setCurrentDetails(`re-sending ${input.originalKey} as ${input.businessKey}`);
  const r = await resend(input);
  setCurrentDetails(`${input.businessKey}: ${r.status}`);
  return { businessKey: r.businessKey, status: r.status };
}
