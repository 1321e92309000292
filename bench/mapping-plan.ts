/**
 * CPU cost of the pure half of a reconcile, without I/O: mapping one record (JSONata expressions, schema
 * validation, leaver rules) and planning 100k people against 100k managed identities.
 *
 *   node bench/mapping-plan.ts [people=100000]
 *
 * Prints figures; asserts nothing (the end-to-end no-op benchmark lives with the engine).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { sourceSection } from '../src/config/sections/source.ts';
import type { Identity } from '../src/domain/identity.ts';
import { compileMapper } from '../src/mapping/compile-mapper.ts';
import { toCreateBody } from '../src/sync/identity-body.ts';
import { readMarker } from '../src/domain/ownership-marker.ts';
import { planSyncDetailed } from '../src/sync/plan.ts';
import type { DesiredIdentity, ManagedIdentity } from '../src/domain/plan.ts';

const people = Number(process.argv[2] ?? 100_000);

/** Wall time and this process's CPU time (the CPU figure stays meaningful on a busy machine). */
function timer() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wallMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}
const fmt = (t: { wallMs: number; cpuMs: number }, per = 1, unit = 'ms', scale = 1) =>
  `${((t.wallMs * scale) / per).toFixed(1)} ${unit} wall, ${((t.cpuMs * scale) / per).toFixed(1)} ${unit} CPU`;
const demo = parse(readFileSync(new URL('../config/demo/kratos-sync.yaml', import.meta.url), 'utf8'));
const config = sourceSection.parse(demo.sources.hr);
const schema = JSON.parse(
  readFileSync(new URL('../config/demo/employee.schema.json', import.meta.url), 'utf8'),
);
const mapper = compileMapper({
  sourceName: 'hr',
  mapping: config.mapping,
  leaver: config.leaver,
  schemas: new Map([['employee', schema]]),
});

const record = (i: number) => ({
  employee_id: `E${100000 + i}`,
  first_name: 'Amara',
  last_name: `Okafor${i % 97}`,
  work_email: `Amara.Okafor${i}@Example.com`,
  department: 'Engineering',
  title: 'Engineering Manager',
  location: 'Berlin',
  manager_email: i % 5 === 0 ? '' : 'boss@example.com',
  status: i % 50 === 0 ? 'contractor' : 'active',
  start_date: '2020-01-01',
  termination_date: i % 20 === 0 ? '2026-03-31' : '',
  updated_at: '2026-10-01T09:00:00Z',
});

const records = Array.from({ length: people }, (_, i) => record(i));
const now = new Date('2026-11-27T12:00:00Z');
const desired: DesiredIdentity[] = [];
let mapTimer = timer();
for (let round = 0; round < 2; round++) {
  desired.length = 0;
  mapTimer = timer(); // the second round is the warm one
  for (let i = 0; i < records.length; i++) {
    const result = await mapper.map(records[i]!, i + 1, now);
    if (result.ok === true) desired.push(result.desired);
  }
}
console.log(
  `mapping: ${fmt(mapTimer(), people, 'µs/record', 1000)} (${people} records, ${desired.length} in scope)`,
);

// Kratos already holds exactly what the source says: the no-op reconcile.
const managed: ManagedIdentity[] = desired.map((person, i) => {
  const body = toCreateBody(person, 'hr', true);
  const identity: Identity = {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    ...body,
    state: body.state ?? 'active',
  };
  return { identity, marker: readMarker(identity)! };
});
const input = { source: 'hr', desired, managed, adoptByEmail: false, leaver: config.leaver, now };
for (const label of ['no-op', 'no-op (warm)']) {
  const elapsed = timer();
  const result = planSyncDetailed(input);
  console.log(
    `plan ${label}: ${fmt(elapsed())}, ${result.actions.length} actions, ${result.unchanged} unchanged`,
  );
}
// 10% changed, 1% gone from the source.
const changed = desired
  .filter((_, i) => i % 100 !== 0)
  .map((p, i) => (i % 10 === 0 ? { ...p, metadataPublic: { ...p.metadataPublic, title: 'Director' } } : p));
const elapsed = timer();
const result = planSyncDetailed({ ...input, desired: changed });
const kinds = new Map<string, number>();
for (const action of result.actions) kinds.set(action.kind, (kinds.get(action.kind) ?? 0) + 1);
console.log(`plan with changes: ${fmt(elapsed())}, ${JSON.stringify(Object.fromEntries(kinds))}`);
