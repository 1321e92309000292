import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { jobCatalogue } from '../../jobs/catalogue.ts';
import type { OnboardingQueue } from '../../src/lifecycle/onboarding-deps.ts';
import { onboardingQueueOf } from '../../src/lifecycle/lifecycle-host.ts';
import {
  offboardPersonType,
  offboardRunbookType,
  onboardCheckType,
  onboardDeliverType,
} from '../../src/queue/lifecycle-job-types.ts';
import { uniquePrefix } from './helpers.ts';

const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
const prefix = uniquePrefix();
const queue = new Queue('jobs', { connection, prefix });
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
});

const invite = { source: 'hr', key: 'E1', identityId: 'id-1', inviteId: 'id-1' };

describe('lifecycle job types: declared once below jobs/, bound to handlers in the catalogue', () => {
  it('the catalogue runs each lifecycle job type with the declared name, payload schema and options', () => {
    for (const type of [onboardDeliverType, onboardCheckType, offboardPersonType, offboardRunbookType]) {
      const entry = jobCatalogue[type.name];
      expect(entry.schema).toBe(type.schema);
      expect(entry.options).toBe(type.options);
      expect(typeof entry.handle).toBe('function');
    }
  });

  it("onboarding's producer adds a checked payload with the type's attempts, and refuses a bad one before Redis", async () => {
    const producer = onboardingQueueOf(queue);
    await producer.add('onboard.deliver', { ...invite, attempt: 1 }, { jobId: 'onboard-deliver.id-1.1' });
    const added = await queue.getJob('onboard-deliver.id-1.1');
    expect(added?.name).toBe('onboard.deliver');
    expect(added?.data).toEqual({ ...invite, attempt: 1 });
    expect(added?.opts.attempts).toBe(onboardDeliverType.options.attempts);

    await expect(
      producer.add('onboard.check', { ...invite, inviteId: 'bad/id' }, { jobId: 'onboard-check.bad' }),
    ).rejects.toMatchObject({ code: 'SYNC_ERR_JOB_PAYLOAD', message: expect.stringContaining('inviteId') });
    expect(await queue.getJob('onboard-check.bad')).toBeUndefined();
  });

  it('types the producer by job name and payload (checked by tsc)', () => {
    const typed = (q: OnboardingQueue) => [
      // @ts-expect-error onboarding adds no offboarding jobs
      q.add('offboard.person', { ...invite, reason: 'left' }, { jobId: 'x' }),
      // @ts-expect-error a delivery needs its attempt number
      q.add('onboard.deliver', invite, { jobId: 'y' }),
    ];
    expect(typeof typed).toBe('function');
  });
});
