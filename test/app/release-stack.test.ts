import { describe, expect, it } from 'vitest';
import {
  createReleaseStack,
  openReleasing,
  releaseFailures,
  type ReleaseError,
} from '../../src/app/release-stack.ts';

describe('createReleaseStack', () => {
  it('releases in reverse order of acquisition, waiting for each release', async () => {
    const stack = createReleaseStack();
    const released: string[] = [];
    for (const what of ['redis', 'queue', 'worker']) {
      stack.defer(what, async () => {
        await new Promise((resolve) => setTimeout(resolve, what === 'worker' ? 20 : 0));
        released.push(what);
      });
    }
    await stack.release();
    expect(released).toEqual(['worker', 'queue', 'redis']);
  });

  it('attempts every release when some throw, and throws their errors together', async () => {
    const stack = createReleaseStack();
    const released: string[] = [];
    stack.defer('redis', () => void released.push('redis'));
    stack.defer('queue', () => {
      throw new Error('queue refused');
    });
    stack.defer('kratos', () => void released.push('kratos'));
    stack.defer('worker', () => Promise.reject(new Error('worker refused')));

    const thrown = await stack.release().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(released).toEqual(['kratos', 'redis']);
    expect(thrown).toBeInstanceOf(AggregateError);
    const failures = (thrown as AggregateError).errors as ReleaseError[];
    expect(failures.map((f) => [f.what, (f.cause as Error).message])).toEqual([
      ['worker', 'worker refused'],
      ['queue', 'queue refused'],
    ]);
    expect((thrown as Error).message).toBe('could not release worker: worker refused; queue: queue refused');
    expect(releaseFailures(thrown)).toEqual(failures);
  });

  it('releases each resource once, also through await using', async () => {
    let count = 0;
    {
      await using stack = createReleaseStack();
      stack.defer('client', () => void count++);
      await stack.release();
    }
    expect(count).toBe(1);
    const second = createReleaseStack();
    second.defer('later', () => void count++);
    await second.release();
    await second.release();
    expect(count).toBe(2);
  });

  it('names a non-Error throw in its ReleaseError', async () => {
    const stack = createReleaseStack();
    stack.defer('socket', () => {
      throw 'closed twice';
    });
    await expect(stack.release()).rejects.toThrow('could not release socket: closed twice');
  });
});

describe('openReleasing', () => {
  it('releases what was acquired when opening fails half-way, and passes the error on', async () => {
    const released: string[] = [];
    const opening = openReleasing(async (releases) => {
      releases.defer('redis', () => void released.push('redis'));
      releases.defer('kratos', () => void released.push('kratos'));
      throw new Error('identity schemas unreadable');
    });
    await expect(opening).rejects.toThrow('identity schemas unreadable');
    expect(released).toEqual(['kratos', 'redis']);
  });

  it('returns what was opened with a release for all of it, usable with await using', async () => {
    const released: string[] = [];
    {
      await using session = await openReleasing(async (releases) => {
        releases.defer('connection', () => void released.push('connection'));
        releases.defer('queue', () => void released.push('queue'));
        return { name: 'session' };
      });
      expect(session.name).toBe('session');
      expect(released).toEqual([]);
    }
    expect(released).toEqual(['queue', 'connection']);
  });
});
