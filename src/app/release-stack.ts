/** One failed release inside the AggregateError a ReleaseStack throws: what was being released, and why not. */
export class ReleaseError extends Error {
  override name = 'ReleaseError';
  // A declared field, not a constructor parameter property: Node runs src/ by stripping types, which
  // refuses parameter properties (ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX).
  readonly what: string;
  constructor(what: string, cause: unknown) {
    super(`${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.what = what;
  }
}

export interface ReleaseStack extends AsyncDisposable {
  /** Register how to release what was just acquired: it is released before everything acquired earlier. */
  defer(what: string, release: () => unknown): void;
  /**
   * Release everything registered so far, last acquired first. Every release is attempted even when an
   * earlier one throws; the failures are then thrown together as one AggregateError of ReleaseErrors. A
   * second call releases only what was registered since the first.
   */
  release(): Promise<void>;
}

/**
 * The releaser every process part uses (worker process, engine context, CLI sessions): register each
 * resource's cleanup as it is opened, so a start-up that fails half-way, a command that throws and a
 * graceful shutdown all close the same things in the same order — connections after the work using them.
 */
export function createReleaseStack(): ReleaseStack {
  const stack: Array<{ what: string; release: () => unknown }> = [];
  const release = async () => {
    const failures: ReleaseError[] = [];
    for (const { what, release: releaseOne } of stack.splice(0).reverse()) {
      try {
        await releaseOne();
      } catch (err) {
        failures.push(new ReleaseError(what, err));
      }
    }
    if (failures.length > 0) {
      throw new AggregateError(failures, `could not release ${failures.map((f) => f.message).join('; ')}`);
    }
  };
  return {
    defer: (what, releaseOne) => void stack.push({ what, release: releaseOne }),
    release,
    [Symbol.asyncDispose]: release,
  };
}

/** Something opened with `openReleasing`: its own fields, and how to release all it acquired. */
export type Releasing<T> = T & AsyncDisposable & { release(): Promise<void> };

/**
 * Open something made of several resources: `open` registers each on the stack it is given as it acquires
 * it. When `open` throws, what it had acquired is released (last first) before the error goes on, so a
 * half-open session leaks nothing; otherwise the result carries `release` for all of it.
 */
export async function openReleasing<T extends object>(
  open: (releases: ReleaseStack) => Promise<T>,
): Promise<Releasing<T>> {
  const releases = createReleaseStack();
  try {
    const opened = await open(releases);
    return { ...opened, release: releases.release, [Symbol.asyncDispose]: releases.release };
  } catch (err) {
    await releases.release().catch(() => undefined);
    throw err;
  }
}

/** The individual failures of a release (ReleaseErrors), whatever was thrown. */
export function releaseFailures(err: unknown): ReleaseError[] {
  if (err instanceof AggregateError) {
    return err.errors.map((e) => (e instanceof ReleaseError ? e : new ReleaseError('resource', e)));
  }
  return [err instanceof ReleaseError ? err : new ReleaseError('resource', err)];
}
