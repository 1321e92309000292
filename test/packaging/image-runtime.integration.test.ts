import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { startKratosSim } from '../kratos-sim/index.ts';
import { copyParts, execForm, parseDockerfile, type Stage } from './dockerfile-parser.ts';
import { COMPOSE_SCIM_TOKEN, composeConfigFor } from './compose-config.ts';
import { devOnlyPackages } from './lockfile.ts';
import { readRepoFile, readRepoJson, REPO_ROOT } from './repo-files.ts';
import { expectSuccess, listedCommands, npmEnv, runCommand } from './run-command.ts';

// A rehearsal of the image's runtime stage without a Docker engine: the files its COPY instructions take
// from the context go into an empty folder, its `npm ci` runs there as written, the build stage's output is
// compiled the way `npm run build` does and copied where `COPY --from=build` puts it, and the ENTRYPOINT runs.
const TIMEOUT_MS = 300_000;

const stages = parseDockerfile(readRepoFile('Dockerfile'));
const runtime = stages.at(-1)!;
const app = mkdtempSync(path.join(tmpdir(), 'kratos-sync-image-'));
const buildOut = mkdtempSync(path.join(tmpdir(), 'kratos-sync-image-build-'));

function args(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** The ENV of the runtime stage (`ENV A=1 B=2` form). */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of args(runtime, 'ENV')) {
    for (const match of line.matchAll(/(\w+)=(\S+)/g)) env[match[1]!] = match[2]!;
  }
  return env;
}

/** Where `COPY <source> <dest>` puts source under WORKDIR /app: into dest when it ends with `/`, else at dest. */
function copyTarget(source: string, dest: string): string {
  return dest.endsWith('/') ? path.join(app, dest, path.basename(source)) : path.join(app, dest);
}

/** ENTRYPOINT without tini, which only forwards signals: the command the container's PID 1 starts. */
function entrypoint(): string[] {
  const command = execForm(args(runtime, 'ENTRYPOINT')[0]!)!;
  expect(command.slice(0, 2)).toEqual(['tini', '--']);
  return command.slice(2);
}

beforeAll(async () => {
  const env = npmEnv();
  for (const copy of args(runtime, 'COPY').map(copyParts)) {
    if (copy.from !== undefined) continue;
    for (const source of copy.sources) {
      cpSync(path.join(REPO_ROOT, source), copyTarget(source, copy.dest), { recursive: true });
    }
  }
  for (const run of args(runtime, 'RUN')) {
    // Only the npm steps: apt-get needs root and Debian, and `npm cache clean` would empty the shared cache.
    for (const step of run.split('&&').map((part) => part.trim())) {
      if (!step.startsWith('npm ci')) continue;
      expectSuccess(await runCommand('sh', ['-c', step], { cwd: app, env, timeoutMs: TIMEOUT_MS }), step);
    }
  }
  // The build stage runs `npm run build` in /app; the same script, pointed at a scratch folder.
  const build = readRepoJson<{ scripts: Record<string, string> }>('package.json').scripts.build!;
  expectSuccess(
    await runCommand('sh', ['-c', `${build} --outDir ${path.join(buildOut, 'dist')}`], {
      cwd: REPO_ROOT,
      env: { ...env, PATH: `${path.join(REPO_ROOT, 'node_modules/.bin')}${path.delimiter}${env.PATH}` },
      timeoutMs: TIMEOUT_MS,
    }),
    'npm run build',
  );
  for (const copy of args(runtime, 'COPY').map(copyParts)) {
    if (copy.from !== 'build') continue;
    for (const source of copy.sources) {
      const from = path.join(buildOut, path.relative('/app', source));
      cpSync(from, copyTarget(source, copy.dest), { recursive: true });
    }
  }
}, 3 * TIMEOUT_MS);

afterAll(() => {
  rmSync(app, { recursive: true, force: true });
  rmSync(buildOut, { recursive: true, force: true });
});

describe('the image’s runtime stage (rehearsed without Docker)', () => {
  it('installs production dependencies only, without the test simulator workspace', () => {
    const has = (name: string) => existsSync(path.join(app, 'node_modules', name));
    const pkg = readRepoJson<{ dependencies: Record<string, string> }>('package.json');
    for (const dependency of Object.keys(pkg.dependencies)) expect(has(dependency), dependency).toBe(true);
    const devOnly = devOnlyPackages();
    expect(devOnly).toContain('vitest');
    for (const dev of [...devOnly, 'kratos-sim']) expect(has(dev), dev).toBe(false);
  });

  it('has the entrypoint script where ENTRYPOINT expects it', () => {
    expect(existsSync(path.join(app, entrypoint().at(-1)!))).toBe(true);
  });

  it('starts the CLI with the image’s environment', async () => {
    const [command, ...rest] = entrypoint();
    const help = expectSuccess(
      await runCommand(command === 'node' ? process.execPath : command!, [...rest, '--help'], {
        cwd: app,
        env: { PATH: process.env.PATH, ...imageEnv() },
        timeoutMs: 60_000,
      }),
      'kratos-sync --help',
    );
    expect(listedCommands(help.stdout)).toContain('check-config');
    // The config default comes from KRATOS_SYNC_CONFIG, the path a mount provides.
    expect(help.stdout).toContain(imageEnv().KRATOS_SYNC_CONFIG);
  });

  it('finds the built-in invite templates from dist/, as the delivery code looks for them', async () => {
    const load = `import('./dist/src/delivery/templates.js').then((m) => {
      const t = m.loadInviteTemplates({}, process.cwd());
      console.log(JSON.stringify({ subject: t.subject.length, text: t.text.length, html: t.html.length }));
    })`;
    const result = expectSuccess(
      await runCommand(process.execPath, ['-e', load], {
        cwd: app,
        env: { PATH: process.env.PATH },
        timeoutMs: 60_000,
      }),
      'loadInviteTemplates',
    );
    const lengths = JSON.parse(result.stdout) as Record<string, number>;
    expect(Object.keys(lengths)).toHaveLength(3);
    for (const [name, length] of Object.entries(lengths)) expect(length, name).toBeGreaterThan(0);
  });

  it('reports a missing config mount clearly instead of starting', async () => {
    const [command, ...rest] = entrypoint();
    const result = await runCommand(
      command === 'node' ? process.execPath : command!,
      [...rest, 'check-config'],
      {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          ...imageEnv(),
          KRATOS_SYNC_CONFIG: path.join(app, 'not-mounted.yaml'),
        },
        timeoutMs: 60_000,
      },
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('not-mounted.yaml');
  });

  it('runs its default command (worker, scheduler, HTTP): HEALTHCHECK passes, SIGTERM stops it cleanly', async () => {
    await using kratos = await startKratosSim({
      api: 'v26',
      schemas: { employee: readRepoJson('config/kratos/identity.employee.schema.json') },
    });
    const port = await freePort();
    // The compose config, pointed at this test's Redis, Kratos and a free port; a short shutdown timeout.
    const config = composeConfigFor({
      adminUrl: kratos.adminUrl,
      publicUrl: kratos.publicUrl,
      redisUrl: inject('redisUrl'),
      redisPrefix: `{image-runtime-${process.pid}-${Date.now()}}`,
      outboxDir: path.join(app, 'outbox'),
    });
    config.queue.shutdownTimeout = '5s';
    config.http = { ...config.http, host: '127.0.0.1', port };
    config.log = { level: 'warn' };
    const configFile = path.join(app, 'mounted-config.yaml');
    writeFileSync(configFile, stringifyYaml(config));

    const [command, ...rest] = entrypoint();
    const cmd = execForm(args(runtime, 'CMD')[0]!)!;
    // The config path arrives the image's way: KRATOS_SYNC_CONFIG, no --config flag.
    const child = spawn(command === 'node' ? process.execPath : command!, [...rest, ...cmd], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        ...imageEnv(),
        KRATOS_SYNC_CONFIG: configFile,
        KRATOS_SYNC_HTTP_PASSWORD: 'x',
        SCIM_TOKEN: COMPOSE_SCIM_TOKEN,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const healthUrl = `http://127.0.0.1:${port}/healthz`;
      const healthy = await pollUntil(60_000, async () => (await healthcheck(healthUrl)) === 0);
      expect(healthy, `HEALTHCHECK never passed\n${stderr}`).toBe(true);
      const ready = await pollUntil(30_000, async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok);
      expect(ready, `/readyz never answered 200\n${stderr}`).toBe(true);

      const stopping = Date.now();
      child.kill('SIGTERM');
      expect(await exited, stderr).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5_000 + 10_000);
      expect(await healthcheck(healthUrl)).toBe(1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 180_000); // up to 60 s to be healthy, 30 s to be ready and 15 s to stop: more than the everyday 60 s
});

/** Runs the Dockerfile's HEALTHCHECK command against `url`; resolves its exit code. */
async function healthcheck(url: string): Promise<number | null> {
  const instruction = args(runtime, 'HEALTHCHECK')[0]!;
  const [node, ...probeArgs] = execForm(instruction.slice(instruction.indexOf('CMD ') + 4))!;
  expect(node).toBe('node');
  const result = await runCommand(process.execPath, probeArgs, {
    cwd: app,
    env: { PATH: process.env.PATH, KRATOS_SYNC_HEALTHCHECK_URL: url },
    timeoutMs: 30_000,
  });
  return result.code;
}

/** Polls `check` until it is true or the deadline passes (a check that throws counts as false). */
async function pollUntil(deadlineMs: number, check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
