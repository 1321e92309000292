#!/usr/bin/env node
// Standalone Kratos simulator: `npx kratos-sim --port 4434 --api v26|v25.4|v1|v1.0|v0.10 [--latency-ms 20]`.
// Prints the URL it listens on (admin and public routes share it) and runs until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { API_PROFILES, startKratosSim } from './index.ts';
import { isApiProfile } from './lib/profiles.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4434' },
    host: { type: 'string', default: '127.0.0.1' },
    api: { type: 'string', default: 'v26' },
    'latency-ms': { type: 'string' },
    seed: { type: 'string' },
    schema: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    `usage: kratos-sim [--port 4434] [--host 127.0.0.1] [--api ${API_PROFILES.join('|')}] [--latency-ms N] [--seed N] [--schema <id>=<file>]…`,
  );
  process.exit(0);
}
if (!isApiProfile(values.api)) {
  console.error(`kratos-sim: --api must be one of ${API_PROFILES.join(', ')}, got "${values.api}"`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`kratos-sim: --port must be an integer 0..65535, got "${values.port}"`);
  process.exit(2);
}
const latencyMs = values['latency-ms'] === undefined ? undefined : Number(values['latency-ms']);
if (latencyMs !== undefined && !(latencyMs >= 0)) {
  console.error(`kratos-sim: --latency-ms must be a number >= 0, got "${values['latency-ms']}"`);
  process.exit(2);
}

// `--schema <id>=<file>` (repeatable): extra identity schemas, served and validated like the built-in ones.
const schemas: Record<string, object> = {};
for (const spec of values.schema ?? []) {
  const at = spec.indexOf('=');
  if (at < 1) {
    console.error(`kratos-sim: --schema expects <id>=<file>, got "${spec}"`);
    process.exit(2);
  }
  try {
    schemas[spec.slice(0, at)] = JSON.parse(readFileSync(spec.slice(at + 1), 'utf8')) as object;
  } catch (err) {
    console.error(`kratos-sim: --schema ${spec}: ${(err as Error).message}`);
    process.exit(2);
  }
}

const sim = await startKratosSim({
  schemas,
  api: values.api,
  port,
  host: values.host,
  ...(latencyMs !== undefined ? { latencyMs } : {}),
  ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
});
console.log(`kratos-sim (${sim.api}) listening on ${sim.url}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void sim.stop().then(() => process.exit(0));
  });
