import { DeliveryError } from '../delivery/channel.ts';
import { SyncError } from '../errors/catalogue.ts';
import type { OnboardingDeps } from './onboarding-deps.ts';

/**
 * A send that threw. If the channel is sure nothing went out, the delivery becomes `send-failed` and the
 * job is retried (this throws); otherwise it becomes `uncertain` and is never resent (a person must not get
 * two links), and the failure is returned for the caller's log line.
 */
export async function recordSendFailure(
  deps: Pick<OnboardingDeps, 'deliveries'>,
  channelName: string,
  delivery: { id: string; token: string },
  err: unknown,
): Promise<DeliveryError> {
  const failure = err instanceof DeliveryError ? err : new DeliveryError(channelName, 'unexpected', false);
  await deps.deliveries.transition(delivery.id, {
    from: ['sending'],
    token: delivery.token,
    to: failure.notSent ? 'send-failed' : 'uncertain',
    fields: { lastError: failure.failure },
  });
  if (failure.notSent)
    throw new SyncError('SYNC_ERR_DELIVERY_FAILED', failure.message, {
      details: { deliveryId: delivery.id },
    });
  return failure;
}
