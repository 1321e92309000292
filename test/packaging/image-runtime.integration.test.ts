import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyParts, execForm, parseDockerfile, type Stage } from './dockerfile-parser.ts';
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
});
