import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createCatalogue,
  defineJob,
  lookupJob,
  type JobNameOf,
  type PayloadInputOf,
} from '../../src/queue/job-definition.ts';
import { jobCatalogue } from '../../jobs/catalogue.ts';

const define = defineJob<{ greeting: string }>();
const options = { attempts: 1, backoff: { baseMs: 1, maxMs: 1 } };

describe('job catalogue typing', () => {
  it('refuses a job type without a handler, or a handler that misreads its payload (checked by tsc)', () => {
    const noHandler = () =>
      // @ts-expect-error a job type without a handler does not compile
      define({ name: 'no.handler', schema: z.strictObject({ id: z.string() }), options });
    const misread = () =>
      define({
        name: 'misread',
        schema: z.strictObject({ id: z.string() }),
        options,
        async handle({ payload }) {
          // @ts-expect-error the payload type comes from the schema: there is no `key`
          return payload.key;
        },
      });
    expect(typeof noHandler).toBe('function');
    expect(typeof misread).toBe('function');
  });

  it('types producers by job name from the catalogue', () => {
    const name: JobNameOf<typeof jobCatalogue> = 'person.sync';
    // @ts-expect-error not a job type of the catalogue
    const unknown: JobNameOf<typeof jobCatalogue> = 'person.delete';
    const payload: PayloadInputOf<typeof jobCatalogue, 'person.sync'> = {
      source: 'hr',
      key: 'E1',
      receivedAt: '2026-11-27T09:00:00Z',
    };
    // @ts-expect-error a person sync needs the person's key
    const incomplete: PayloadInputOf<typeof jobCatalogue, 'person.sync'> = { source: 'hr' };
    expect([name, unknown, payload, incomplete]).toHaveLength(4);
  });

  it('holds every job type the runtime runs, each with its schema, options and handler', () => {
    expect(Object.keys(jobCatalogue).sort()).toEqual(
      expect.arrayContaining(['person.sync', 'sync.apply', 'sync.full']),
    );
    for (const [name, job] of Object.entries(jobCatalogue)) {
      expect(job.name).toBe(name);
      expect(typeof job.handle).toBe('function');
      expect(job.options.attempts).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses two job types with one name, and finds none for a name from elsewhere', () => {
    const a = define({ name: 'same', schema: z.object({}), options, handle: async () => 1 });
    const b = define({ name: 'same', schema: z.object({}), options, handle: async () => 2 });
    expect(() => createCatalogue([a, b])).toThrow('two job types are named "same"');
    expect(lookupJob(createCatalogue([a]), 'toString')).toBeUndefined();
    expect(lookupJob(createCatalogue([a]), 'same')).toBe(a);
  });
});
