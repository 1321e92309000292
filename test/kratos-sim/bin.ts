#!/usr/bin/env node
// Standalone Kratos simulator: `npx kratos-sim --port 4434 --api v26 [--latency-ms 20]`.
// Prints the URL it listens on (admin and public routes share it) and runs until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { startKratosSim } from './index.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4434' },
    host: { type: 'string', default: '127.0.0.1' },
    api: { type: 'string', default: 'v26' },
    'latency-ms': { type: 'string' },
    seed: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(
    'usage: kratos-sim [--port 4434] [--host 127.0.0.1] [--api v26|v0.10] [--latency-ms N] [--seed N]',
  );
  process.exit(0);
}
if (values.api !== 'v26' && values.api !== 'v0.10') {
  console.error(`kratos-sim: --api must be v26 or v0.10, got "${values.api}"`);
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

const sim = await startKratosSim({
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
