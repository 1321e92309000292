/**
 * `npm run bench [-- <name>…] [--quick] [--write-results] [--cpu-prof DIR]`: runs the benchmarks and prints
 * their figures and goals. Not timed tests: nothing fails when a goal is missed; the figures say so.
 * `--write-results` rewrites bench/RESULTS.md with this run's figures and the machine it ran on.
 */
import { parseArgs } from 'node:util';
import { startRedisServer } from '../test/support/redis-server.ts';
import { printResult, type BenchResult, type Benchmark } from './support/report.ts';
import { writeResults } from './support/results-file.ts';

const BENCHMARKS: Array<{ name: string; load: () => Promise<Pick<Benchmark, 'run'>> }> = [
  { name: 'initial-import', load: () => import('./initial-import.ts') },
  { name: 'steady-state', load: () => import('./steady-state.ts') },
  { name: 'noop-throughput', load: () => import('./noop-throughput.ts') },
  { name: 'ory-network', load: () => import('./ory-network.ts') },
  { name: 'offboarding', load: () => import('./offboarding.ts') },
  { name: 'queue', load: () => import('./queue-runtime.ts') },
  { name: 'mapping-plan', load: () => import('./mapping-plan-runner.ts') },
  { name: 'kratos-versions', load: () => import('./kratos-versions.ts') },
  { name: 'scim', load: () => import('./scim.ts') },
  { name: 'startup', load: () => import('./startup.ts') },
  { name: 'person-sync', load: () => import('./person-sync.ts') },
  { name: 'import-floor', load: () => import('./import-floor.ts') },
  { name: 'webhook-intake', load: () => import('./webhook-intake.ts') },
  { name: 'million', load: () => import('./million.ts') },
];

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: 'boolean', default: false },
    'write-results': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    `usage: npm run bench -- [${BENCHMARKS.map((b) => b.name).join('|')} …] [--quick] [--write-results] [--cpu-prof DIR]`,
  );
  process.exit(0);
}
const unknown = positionals.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
const selected =
  positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => positionals.includes(b.name));

const redis = await startRedisServer();
const results: BenchResult[] = [];
const started = Date.now();
try {
  for (const bench of selected) {
    console.log(`\nrunning ${bench.name}${values.quick ? ' (quick)' : ''} …`);
    const mod = await bench.load();
    const result = await mod.run({
      quick: values.quick,
      redisUrl: redis.url,
      ...(values['cpu-prof'] ? { cpuProf: values['cpu-prof'] } : {}),
    });
    results.push(result);
    printResult(result);
  }
} finally {
  await redis.stop();
}
console.log(`\n${results.length} benchmark(s) in ${Math.round((Date.now() - started) / 1000)} s`);
if (values['write-results']) {
  const file = writeResults(results, { quick: values.quick });
  console.log(`wrote ${file}`);
}
