/**
 * `npm run build [-- --outDir <folder>]` (default `dist`): compiles src/ and jobs/ with tsc, then replaces the
 * compiled CLI entry with a bundle of it, so a command resolves and reads fewer files at start-up (a no-op
 * sync: ~390 files before, ~180 now; bench/RESULTS.md, "Start-up: bundled CLI").
 *
 * - tsc's output stays whole: the package's library export (`dist/src/index.js`) and every other module are
 *   the plain compiled files.
 * - The CLI bundle is split at every `await import()` (esbuild `splitting`), so `--help` still loads only the
 *   command modules and each command only what its action imports; the shared pieces go to
 *   `dist/src/chunks/` (two folders below the package root, like every compiled source file, so code that
 *   finds the package's files relative to itself — the built-in templates — finds them from a chunk too).
 * - The bundle's first statement turns on Node's compile cache, before any other chunk is compiled.
 * - Dependencies that find files, workers or native add-ons next to their own code (pino's transport
 *   workers, BullMQ's msgpackr add-on, fastify and bull-board's static files, ioredis' stack filter) or
 *   that BullMQ shares with us (ioredis: one copy per process) stay in node_modules and load from there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
/** The CLI's source entry: the one place the build names it (the bundle lands at `<outDir>/<same path>.js`). */
const CLI_ENTRY = 'src/app/bin.ts';
/** Packages loaded from node_modules at run time instead of being bundled (see the list above). */
const NOT_BUNDLED = new Set([
  'pino',
  'bullmq',
  'ioredis',
  'fastify',
  '@bull-board/api',
  '@bull-board/fastify',
  'nodemailer',
  'undici',
  'prom-client',
  'node-cron',
]);

const { values } = parseArgs({ options: { outDir: { type: 'string', default: 'dist' } } });
const outDir = path.resolve(ROOT, values.outDir);

if (!existsSync(path.join(ROOT, CLI_ENTRY))) throw new Error(`the CLI entry ${CLI_ENTRY} does not exist`);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
  cwd: ROOT,
  stdio: 'inherit',
});
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

const keepInNodeModules: Plugin = {
  name: 'keep-in-node-modules',
  setup(context) {
    context.onResolve({ filter: /^[^./]/ }, ({ path: specifier }) =>
      !specifier.startsWith('node:') && NOT_BUNDLED.has(packageName(specifier))
        ? { external: true }
        : undefined,
    );
  },
};

const entry = CLI_ENTRY.replace(/\.ts$/, '');
// Chunk names carry a content hash: a previous build's chunks would otherwise stay beside the new ones.
rmSync(path.join(outDir, 'src/chunks'), { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  // Compile cache first: a static import would be compiled before the cache is on.
  stdin: {
    contents: `import { enableCompileCache } from 'node:module';\nenableCompileCache();\nawait import('./${CLI_ENTRY}');\n`,
    resolveDir: ROOT,
    sourcefile: 'cli-entry.js',
    loader: 'js',
  },
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  outdir: outDir,
  entryNames: entry,
  chunkNames: 'src/chunks/[name]-[hash]',
  // Bundled CommonJS packages call require() for Node's own modules; an ES module has none of its own.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  plugins: [keepInNodeModules],
  sourcemap: true,
  sourcesContent: false,
  legalComments: 'eof',
  logLevel: 'warning',
});
console.log(`built ${values.outDir}/ (CLI bundle: ${entry}.js, src/chunks/)`);
