import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpSection } from '../../src/config/sections/runtime.ts';
import { copyParts, execForm, parseDockerfile, type Stage } from './dockerfile-parser.ts';
import { readRepoFile } from './repo-files.ts';

// No Docker engine runs here, so the image is checked by structure; the runtime stage's install is rehearsed
// for real in image-runtime.integration.test.ts.
const stages = parseDockerfile(readRepoFile('Dockerfile'));
const runtime = stages.at(-1)!;

function all(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

function only(stage: Stage, keyword: string): string {
  const found = all(stage, keyword);
  expect(found, `${keyword} instructions in stage ${stage.name}`).toHaveLength(1);
  return found[0]!;
}

function healthcheckCommand(): string[] {
  const args = only(runtime, 'HEALTHCHECK');
  const command = execForm(args.slice(args.indexOf('CMD ') + 'CMD '.length));
  if (!command) throw new Error('HEALTHCHECK must use the exec form (no shell needed)');
  return command;
}

describe('Dockerfile', () => {
  it('builds in a separate stage, both on Node 24 slim (Debian bookworm)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.image).toMatch(/^node:24-bookworm-slim(@sha256:[0-9a-f]{64})?$/);
    const build = stages.find((stage) => stage.name === 'build');
    expect(build, 'a stage named "build"').toBeDefined();
    const buildRuns = all(build!, 'RUN').join('\n');
    expect(buildRuns).toMatch(/\bnpm ci\b/);
    expect(buildRuns).toMatch(/\bnpm run build\b/);
    expect(runtime).not.toBe(build);
  });

  it('installs production dependencies only at run time and takes just dist/ from the build stage', () => {
    const install = all(runtime, 'RUN').find((run) => /\bnpm ci\b/.test(run));
    expect(install).toMatch(/--omit=dev\b/);
    // The simulator workspace is not in the build context; npm must not go looking for it.
    expect(install).toMatch(/--workspaces=false\b/);
    const copies = all(runtime, 'COPY').map(copyParts);
    const fromBuild = copies.filter((copy) => copy.from !== undefined);
    expect(fromBuild.length).toBeGreaterThan(0);
    for (const copy of fromBuild) {
      expect(copy.from).toBe('build');
      for (const source of copy.sources) expect(source).toMatch(/^\/app\/dist(\/|$)/);
    }
    // Straight from the context only the manifest, lockfile and built-in templates: never sources, site config
    // or node_modules.
    const fromContext = copies.filter((copy) => copy.from === undefined).flatMap((copy) => copy.sources);
    expect(fromContext.sort()).toEqual(['config/templates', 'package-lock.json', 'package.json']);
  });

  it('runs as a non-root numeric user that exists in the base image', () => {
    const user = all(runtime, 'USER').at(-1);
    expect(user, 'the runtime stage sets USER').toBeDefined();
    const [uid, gid] = user!.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    // 1000 is the `node` user of the official Node images; any other uid would have no passwd entry.
    expect(uid).toBe('1000');
    if (gid !== undefined) expect(Number(gid)).toBeGreaterThan(0);
  });

  it('starts the CLI under tini and defaults to a worker with scheduler and HTTP', () => {
    expect(all(runtime, 'RUN').join('\n')).toMatch(/apt-get install[^&]*\btini\b/);
    // The heap flag must come before the script: after it, node would pass it to the CLI as an argument.
    expect(execForm(only(runtime, 'ENTRYPOINT'))).toEqual([
      'tini',
      '--',
      'node',
      '--max-semi-space-size=8',
      'dist/src/app/bin.js',
    ]);
    expect(execForm(only(runtime, 'CMD'))).toEqual(['worker', '--role', 'worker,scheduler,http']);
  });

  it('gives node a heap flag that bounds the young generation (V8 reads it only at process start)', async () => {
    const entrypoint = execForm(only(runtime, 'ENTRYPOINT'))!;
    const nodeFlags = entrypoint.slice(entrypoint.indexOf('node') + 1, -1);
    // Short-lived garbage grows the young generation to its maximum: two semi-spaces.
    const probe =
      "const v8 = require('node:v8'); const keep = [];" +
      'for (let i = 0; i < 2e6; i++) { const o = { a: `x${i}`, b: [i] }; if (i % 100 === 0) keep.push(o); }' +
      "const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');" +
      'console.log(space.space_size / 1048576);';
    const run = (flags: string[]) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, [...flags, '-e', probe], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`exit ${code}`))));
      });
    const [withFlags, without] = await Promise.all([run(nodeFlags), run([])]);
    expect(withFlags, 'new space in MB with the ENTRYPOINT flags').toBeLessThanOrEqual(16);
    expect(without, 'new space in MB with V8 defaults (the flag must change something)').toBeGreaterThan(16);
  }, 30_000);

  it('expects its config and secrets to be mounted, not baked in', () => {
    const env = all(runtime, 'ENV').join(' ');
    expect(env).toMatch(/\bKRATOS_SYNC_CONFIG=\/etc\/kratos-sync\/config\.yaml\b/);
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    for (const stage of stages) {
      const declared = [...all(stage, 'ENV'), ...all(stage, 'ARG')].join(' ');
      expect(declared).not.toMatch(/TOKEN|PASSWORD|SECRET|REDIS_URL|KRATOS_ADMIN_URL/i);
    }
  });

  it('passes every COPY source from the context through the .dockerignore allowlist', () => {
    const lines = readRepoFile('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    expect(lines[0], '.dockerignore starts by excluding everything').toBe('*');
    const allowed = lines
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = stages
      .flatMap((stage) => all(stage, 'COPY').map(copyParts))
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources);
    for (const source of sources) {
      if (source === '.') continue; // the whole (allowlisted) context
      expect(allowed, `COPY ${source}`).toContain(source);
    }
    // What `npm run build` reads must be in the context.
    for (const needed of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'scripts/build.ts',
      'src',
    ]) {
      expect(allowed).toContain(needed);
    }
  });

  it('probes /healthz on the HTTP port the image exposes and the config uses by default', () => {
    const command = healthcheckCommand();
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const defaultPort = httpSection.parse({}).port;
    expect(command[2]).toContain(`'http://127.0.0.1:${defaultPort}/healthz'`);
    expect(all(runtime, 'EXPOSE')).toEqual([String(defaultPort)]);
    expect(only(runtime, 'HEALTHCHECK')).toMatch(/--timeout=\d+s/);
  });
});

describe('Dockerfile HEALTHCHECK probe (run with this Node, against real HTTP servers)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  }

  function probe(url: string): Promise<{ code: number | null; ms: number }> {
    const [, flag, code] = healthcheckCommand();
    const started = Date.now();
    const child = spawn(process.execPath, [flag!, code!], {
      env: { ...process.env, KRATOS_SYNC_HEALTHCHECK_URL: url },
      stdio: 'ignore',
    });
    return new Promise((resolve) =>
      child.on('exit', (exit) => resolve({ code: exit, ms: Date.now() - started })),
    );
  }

  it('is healthy when /healthz answers 200', async () => {
    const paths: string[] = [];
    const url = await serve((req, res) => {
      paths.push(req.url ?? '');
      res.end('{"status":"ok"}');
    });
    expect((await probe(url)).code).toBe(0);
    expect(paths).toEqual(['/healthz']);
  });

  it('is unhealthy when /healthz answers 503', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    expect((await probe(url)).code).toBe(1);
  });

  it('is unhealthy when nothing listens', async () => {
    const url = await serve((_req, res) => res.end());
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    expect((await probe(url)).code).toBe(1);
  });

  it('gives up on a server that never answers before Docker’s --timeout kills it', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const result = await probe(url);
    expect(result.code).toBe(1);
    const timeout = Number(/--timeout=(\d+)s/.exec(only(runtime, 'HEALTHCHECK'))![1]) * 1000;
    expect(result.ms).toBeLessThan(timeout);
  });
});
