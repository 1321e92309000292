import { fork } from 'node:child_process';

export interface PhaseOutcome<T> {
  result: T;
  /** Peak resident set size of the phase's process (MiB). */
  peakRssMb: number;
  /** CPU time the phase function used in its process (user + system), a figure a busy machine distorts less. */
  cpuMs: number;
}

/**
 * Runs `module#exportName(args)` in a child process (phase-child.ts). Arguments and results travel as JSON.
 * `cpuProf` writes a V8 CPU profile of the phase into that folder (node --cpu-prof).
 */
export async function runPhase<T>(
  moduleUrl: string,
  exportName: string,
  args: unknown,
  options: { cpuProf?: string } = {},
): Promise<PhaseOutcome<T>> {
  // BENCH_PHASE_NODE_FLAGS adds V8/Node flags to the measured process only (not to the simulator or this
  // runner), e.g. `--max-semi-space-size=8` to weigh a heap setting the product could ship.
  const extraFlags = (process.env.BENCH_PHASE_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const execArgv = ['--max-old-space-size=4096', ...extraFlags];
  if (options.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProf}`);
  const child = fork(
    new URL('./phase-child.ts', import.meta.url).pathname,
    [new URL(moduleUrl).pathname, exportName, JSON.stringify(args)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv },
  );
  return await new Promise<PhaseOutcome<T>>((resolve, reject) => {
    let settled = false;
    child.on(
      'message',
      (message: { ok: boolean; result?: T; peakRssMb?: number; cpuMs?: number; error?: string }) => {
        settled = true;
        if (message.ok)
          resolve({
            result: message.result as T,
            peakRssMb: message.peakRssMb ?? 0,
            cpuMs: message.cpuMs ?? 0,
          });
        else reject(new Error(`phase ${exportName} failed:\n${message.error}`));
      },
    );
    child.once('exit', (code, signal) => {
      if (!settled)
        reject(new Error(`phase ${exportName} exited (code ${code}, signal ${signal}) without a result`));
    });
  });
}
