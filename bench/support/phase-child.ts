/**
 * Runs one exported phase function of a benchmark module in this fresh process and sends back its result
 * with the process's peak RSS: a phase's memory is then its own, not what earlier phases left behind.
 */
const [modulePath, exportName, argsJson] = process.argv.slice(2);
const mod = (await import(modulePath!)) as Record<string, (args: unknown) => Promise<unknown>>;
const phase = mod[exportName!];
if (typeof phase !== 'function') throw new Error(`${modulePath} has no phase ${exportName}`);
try {
  const cpuBefore = process.cpuUsage();
  const result = await phase(JSON.parse(argsJson ?? '{}'));
  const cpu = process.cpuUsage(cpuBefore);
  // resourceUsage().maxRSS is in KiB.
  process.send!({
    ok: true,
    result,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuMs: (cpu.user + cpu.system) / 1000,
  });
} catch (err) {
  process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
}
process.disconnect();
