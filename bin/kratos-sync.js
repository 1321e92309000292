#!/usr/bin/env node
/* global process, console, URL -- a plain Node script: the lint config types only the TypeScript */
// The `kratos-sync` command, for both ways it is installed:
// - in a clone (`npx kratos-sync`, no build step): runs the TypeScript source with Node's built-in type
//   stripping (Node 24). When the shell's node is older, it hands over to the Node 24 that
//   scripts/ensure-env.sh installs into .tools/node24. The source wins over a dist/ left by `npm pack`,
//   which would be out of date as soon as the source changes;
// - from the npm package or the image (no src/ inside): runs the compiled CLI in dist/.
// Plain JavaScript that any Node with ES modules can parse, so an old node can still say what is wrong.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/src/app/bin.js', import.meta.url);
const source = new URL('../src/app/bin.ts', import.meta.url);
const projectNode = fileURLToPath(new URL('../.tools/node24/node_modules/.bin/node', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);

if (!existsSync(source)) {
  await import(compiled.href);
} else if (major >= 24) {
  await import(source.href);
} else if (existsSync(projectNode)) {
  const child = spawn(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  // A supervisor stops `kratos-sync worker` by signalling this process: pass the signal on, so the worker
  // shuts down gracefully instead of being orphaned when this process dies. A Ctrl-C in a terminal already
  // reaches the child (same foreground process group); passing it on too would be a second signal, which
  // the worker takes as "exit now" — so SIGINT is passed on only when stdin is not a terminal.
  const forward = (signal) => {
    if (signal === 'SIGINT' && process.stdin.isTTY) return;
    child.kill(signal);
  };
  const signals = ['SIGTERM', 'SIGINT', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (err) => {
    console.error(`kratos-sync: cannot start ${projectNode}: ${err.message}`);
    process.exitCode = 2;
  });
  child.on('exit', (code, signal) => {
    for (const name of signals) process.off(name, forward);
    // End the way the child ended: with its exit code, or killed by the same signal.
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
} else {
  console.error(
    `kratos-sync needs Node.js 24 or newer (this is ${process.version}). Run \`bash scripts/ensure-env.sh\` ` +
      'in the checkout (it installs Node 24 into .tools/node24), or install Node 24 LTS.',
  );
  process.exitCode = 2;
}
