import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { parseDurationMs } from '../../src/config/sections/secret-option.ts';
import type { JsonObject } from '../../src/domain/identity.ts';
import { compileMapper } from '../../src/mapping/compile-mapper.ts';
import { createCsvSource } from '../../src/sources/csv/csv-source.ts';
import type { DesiredIdentity } from '../../src/domain/plan.ts';
import { execForm, parseDockerfile } from './dockerfile-parser.ts';
import { describeErrors, identityDataValidator } from './kratos-schemas.ts';
import { readRepoFile, readRepoJson, readRepoYaml, repoPath } from './repo-files.ts';

// docker-compose.yml read as data: no engine runs here, so every cross-reference a `docker compose up` relies
// on (service names, ports, mounts, volumes, start order) is checked between the files that must agree.

type Json = Record<string, any>;

const compose = readRepoYaml<Json>('docker-compose.yml');
const services: Record<string, Json> = compose.services;
const kratosYml = readRepoYaml<Json>('config/kratos/kratos.yml');

/** `${NAME:-default}` as compose interpolates it with NAME unset. */
function interpolateDefaults(value: string): string {
  return value.replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1');
}

function serviceEnv(name: string): Record<string, string> {
  const env = services[name]!.environment as Record<string, string>;
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => [key, interpolateDefaults(String(value))]),
  );
}

/** Short-syntax volume entries: `source:target[:ro]`. */
function mounts(name: string): Array<{ source: string; target: string; readOnly: boolean }> {
  return ((services[name]!.volumes ?? []) as string[]).map((entry) => {
    const [source, target, mode] = entry.split(':');
    return { source: source!, target: target!, readOnly: mode === 'ro' };
  });
}

/** The repository path a container path of a bind mount comes from, or undefined. */
function hostPathOf(name: string, containerPath: string): string | undefined {
  for (const mount of mounts(name)) {
    if (!mount.source.startsWith('./')) continue;
    if (containerPath === mount.target || containerPath.startsWith(`${mount.target}/`)) {
      return path.join(mount.source, path.relative(mount.target, containerPath));
    }
  }
  return undefined;
}

function namedVolumeAt(name: string, containerPath: string): string | undefined {
  return mounts(name).find(
    (mount) =>
      !mount.source.startsWith('.') &&
      (containerPath === mount.target || containerPath.startsWith(`${mount.target}/`)),
  )?.source;
}

function dependsOn(name: string): Record<string, { condition: string }> {
  return (services[name]!.depends_on ?? {}) as Record<string, { condition: string }>;
}

function loadComposeSyncConfig() {
  const env = serviceEnv('kratos-sync');
  const file = hostPathOf('kratos-sync', env.KRATOS_SYNC_CONFIG!);
  expect(file, 'KRATOS_SYNC_CONFIG points into a bind mount').toBeDefined();
  return loadConfig({ file: repoPath(file!), env });
}

describe('docker-compose.yml', () => {
  it('has Redis, Kratos with its migration, a mail catcher and kratos-sync', () => {
    expect(Object.keys(services).sort()).toEqual([
      'first-sync',
      'kratos',
      'kratos-migrate',
      'kratos-sync',
      'mailpit',
      'redis',
    ]);
    expect(services.kratos!.image).toBe('oryd/kratos:v26.2.0');
    expect(services['kratos-migrate']!.image).toBe('oryd/kratos:v26.2.0');
    expect(services['kratos-sync']!.build).toBe('.');
  });

  it('runs one sync at start-up with the worker’s image, config and environment', () => {
    const firstSync = services['first-sync']!;
    expect(firstSync.command.slice(0, 1)).toEqual(['sync']);
    expect(firstSync.command).toContain(Object.keys(loadComposeSyncConfig().config.sources)[0]);
    expect(firstSync.restart).toBe('no');
    for (const key of ['build', 'image', 'environment', 'volumes']) {
      expect(firstSync[key], key).toEqual(services['kratos-sync']![key]);
    }
    expect(dependsOn('first-sync')).toMatchObject({
      redis: { condition: 'service_healthy' },
      kratos: { condition: 'service_healthy' },
    });
  });

  it('declares every named volume it mounts', () => {
    const declared = Object.keys(compose.volumes);
    for (const name of Object.keys(services)) {
      for (const mount of mounts(name)) {
        if (mount.source.startsWith('.')) expect(existsSync(repoPath(mount.source)), mount.source).toBe(true);
        else expect(declared, `${name} mounts ${mount.source}`).toContain(mount.source);
      }
    }
  });

  it('keeps Redis append-only on a volume, without eviction', () => {
    const command = (services.redis!.command as string[]).join(' ');
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--maxmemory-policy noeviction');
    expect(namedVolumeAt('redis', '/data')).toBe('redis-data');
  });

  it('migrates the SQLite database that Kratos then serves, on a shared volume', () => {
    const migrate = services['kratos-migrate']!.command as string[];
    expect(migrate.join(' ')).toContain('migrate sql -e --yes');
    expect(dependsOn('kratos')['kratos-migrate']).toEqual({ condition: 'service_completed_successfully' });
    const dbFile = new URL(kratosYml.dsn.replace(/^sqlite:\/\//, 'file://')).pathname;
    expect(namedVolumeAt('kratos', dbFile)).toBe('kratos-sqlite');
    expect(namedVolumeAt('kratos-migrate', dbFile)).toBe('kratos-sqlite');
  });

  it('gives Kratos the kratos.yml and identity schema from config/kratos', () => {
    for (const name of ['kratos', 'kratos-migrate']) {
      const command = services[name]!.command as string[];
      const configPath = command[command.indexOf('--config') + 1]!;
      expect(hostPathOf(name, configPath)).toBe('config/kratos/kratos.yml');
    }
    for (const schema of kratosYml.identity.schemas as Json[]) {
      const file = hostPathOf('kratos', new URL(schema.url).pathname);
      expect(file && existsSync(repoPath(file)), `${schema.url} is mounted`).toBe(true);
    }
  });

  it('publishes ports on the host loopback only (the Kratos admin API has no authentication)', () => {
    const ports = services.kratos!.ports as string[];
    const admin = ports.find((port) => port.endsWith(':4434'));
    expect(admin).toBe('127.0.0.1:4434:4434');
    for (const name of Object.keys(services)) {
      for (const port of (services[name]!.ports ?? []) as string[]) expect(port).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('points Kratos courier mail and kratos-sync invites at the mail catcher', () => {
    const courier = new URL(kratosYml.courier.smtp.connection_uri);
    expect(courier.hostname).toBe('mailpit');
    expect(services[courier.hostname]).toBeDefined();
    const smtp = loadComposeSyncConfig().config.delivery.smtp!;
    expect([smtp.host, smtp.port]).toEqual([courier.hostname, Number(courier.port)]);
  });

  it('starts services in dependency order, waiting for health where it matters', () => {
    const order: string[] = [];
    const visit = (name: string, trail: string[]) => {
      expect(trail, 'no dependency cycle').not.toContain(name);
      for (const dependency of Object.keys(dependsOn(name))) visit(dependency, [...trail, name]);
      if (!order.includes(name)) order.push(name);
    };
    for (const name of Object.keys(services)) visit(name, []);
    expect(order.indexOf('kratos-migrate')).toBeLessThan(order.indexOf('kratos'));
    expect(order.indexOf('kratos')).toBeLessThan(order.indexOf('kratos-sync'));
    expect(order.indexOf('redis')).toBeLessThan(order.indexOf('kratos-sync'));
    expect(dependsOn('kratos-sync')).toEqual({
      redis: { condition: 'service_healthy' },
      kratos: { condition: 'service_healthy' },
      mailpit: { condition: 'service_healthy' },
    });
    // A `service_healthy` dependency on a service without a healthcheck would wait forever.
    for (const name of Object.keys(services)) {
      for (const [dependency, { condition }] of Object.entries(dependsOn(name))) {
        if (condition === 'service_healthy')
          expect(services[dependency]!.healthcheck, dependency).toBeDefined();
      }
    }
  });

  it('probes Kratos readiness on its admin port', () => {
    const test = (services.kratos!.healthcheck.test as string[]).join(' ');
    expect(test).toContain('http://127.0.0.1:4434/admin/health/ready');
  });

  it('runs kratos-sync as the image does: same command and health probe as the Dockerfile', () => {
    const runtime = parseDockerfile(readRepoFile('Dockerfile')).at(-1)!;
    const find = (keyword: string) => runtime.instructions.find((i) => i.keyword === keyword)!.args;
    expect(services['kratos-sync']!.command).toEqual(execForm(find('CMD')));
    const healthcheck = find('HEALTHCHECK');
    expect(services['kratos-sync']!.healthcheck.test).toEqual([
      'CMD',
      ...execForm(healthcheck.slice(healthcheck.indexOf('CMD ') + 4))!,
    ]);
  });
});

describe('the kratos-sync config of the compose stack (config/compose)', () => {
  const { config, baseDir } = loadComposeSyncConfig();
  const env = serviceEnv('kratos-sync');

  it('passes loadConfig with the compose environment, which overrides the file', () => {
    expect(config.redis.url).toBe(env.REDIS_URL);
    expect(config.kratos.adminUrl).toBe(env.KRATOS_ADMIN_URL);
    expect(config.http.auth?.password.reveal()).toBe('change-me');
  });

  it('reaches Redis and the Kratos admin API by their compose service names and ports', () => {
    expect(new URL(config.redis.url).hostname).toBe('redis');
    const admin = new URL(config.kratos.adminUrl);
    expect(admin.hostname).toBe('kratos');
    expect(Number(admin.port)).toBe(kratosYml.serve.admin.port ?? 4434);
    expect(new URL(kratosYml.serve.admin.base_url).host).toBe(admin.host);
  });

  it('gets more stop time from Docker than its own shutdown timeout', () => {
    const grace = parseDurationMs(services['kratos-sync']!.stop_grace_period);
    expect(grace).toBeGreaterThanOrEqual(config.queue.shutdownTimeout + 10_000);
  });

  it('writes its outbox to a volume, not into the image', () => {
    expect(namedVolumeAt('kratos-sync', config.delivery.outbox.dir)).toBe('kratos-sync-data');
    expect(
      mounts('kratos-sync').find((mount) => mount.target === path.dirname(env.KRATOS_SYNC_CONFIG!))?.readOnly,
    ).toBe(true);
  });

  it('maps every row of the sample CSV, with kratos-sync’s own reader and mapper, to identities Kratos accepts', async () => {
    const source = config.sources.hr!;
    expect(source.connection.type).toBe('csv');
    expect(source.schedule, 'a schedule, so `docker compose up` shows a first sync').toBeDefined();
    // The schemas as the compose Kratos serves them: kratos.yml's ids, read from the mounted files.
    const schemas = new Map<string, JsonObject>(
      (kratosYml.identity.schemas as Json[]).map((ref) => [
        ref.id as string,
        readRepoJson<JsonObject>(hostPathOf('kratos', new URL(ref.url).pathname)!),
      ]),
    );
    const mapper = compileMapper({
      sourceName: 'hr',
      mapping: source.mapping,
      leaver: source.leaver,
      schemas,
    });
    const csv = createCsvSource({
      name: 'hr',
      connection: source.connection as Extract<typeof source.connection, { type: 'csv' }>,
      baseDir,
      keyOf: mapper.keyOf,
    });
    const desired: DesiredIdentity[] = [];
    let position = 0;
    for await (const record of csv.stream()) {
      const result = await mapper.map(record, ++position, new Date('2026-11-27T09:00:00Z'));
      if (result.ok !== true) throw new Error(`row ${position} not mapped: ${JSON.stringify(result)}`);
      desired.push(result.desired);
    }
    expect(desired.length).toBeGreaterThanOrEqual(5);
    // Checked once more with Kratos's formats, independently of the mapper's validator.
    for (const identity of desired) {
      const validate = identityDataValidator(schemas.get(identity.schemaId)!);
      expect(
        validate({ traits: identity.traits }),
        `${identity.key}: ${describeErrors(validate.errors)}`,
      ).toBe(true);
      expect(identity.email).toBe(identity.traits.email);
    }
    // The sample shows joiners and a leaver.
    expect(desired.filter((identity) => identity.leaver).map((identity) => identity.key)).toEqual(['E1006']);
    expect(desired.filter((identity) => identity.state === 'active').length).toBeGreaterThanOrEqual(5);
  });
});
