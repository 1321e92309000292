import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.ts';
import { execForm, parseDockerfile } from './dockerfile-parser.ts';
import { readRepoFile, repoPath } from './repo-files.ts';

type Json = Record<string, any>;

const DIR = 'deploy/kubernetes';
const files = readdirSync(repoPath(DIR)).filter((file) => file.endsWith('.yaml'));
const manifests = files.flatMap((file) =>
  parseAllDocuments(readRepoFile(`${DIR}/${file}`)).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: doc.toJS() as Json };
  }),
);

function one(kind: string): Json {
  const found = manifests.filter((m) => m.doc.kind === kind);
  expect(found, `exactly one ${kind}`).toHaveLength(1);
  return found[0]!.doc;
}

const deployment = one('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0] as Json;
const secret = one('Secret');
const configMap = one('ConfigMap');
const envVar = (name: string): Json | undefined => (container.env as Json[]).find((e) => e.name === name);

/** The path of the container's mount that holds `file`, with the volume behind it. */
function volumeFor(file: string): { mountPath: string; volume: Json } | undefined {
  const mount = (container.volumeMounts as Json[]).find((m) => file.startsWith(`${m.mountPath}/`));
  if (!mount) return undefined;
  return { mountPath: mount.mountPath, volume: (pod.volumes as Json[]).find((v) => v.name === mount.name)! };
}

const work = mkdtempSync(path.join(tmpdir(), 'kratos-sync-k8s-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Load the ConfigMap's config as the pod would: its env from the example Secret (with `replaced` values,
 * as an operator fills it in), its token file mounted.
 */
function loadPodConfig(
  replaced: Record<string, string> = { 'http-password': 'an-operator-chosen-password' },
) {
  const configPath = envVar('KRATOS_SYNC_CONFIG')!.value as string;
  const file = path.join(work, path.basename(configPath));
  writeFileSync(file, configMap.data[path.basename(configPath)]);
  const env: Record<string, string> = {};
  for (const entry of container.env as Json[]) {
    const ref = entry.valueFrom?.secretKeyRef;
    if (ref) env[entry.name] = replaced[ref.key] ?? secret.stringData[ref.key];
    else if (entry.name.endsWith('_FILE')) {
      const tokenFile = path.join(work, path.basename(entry.value));
      writeFileSync(tokenFile, `${secret.stringData[path.basename(entry.value)]}\n`);
      env[entry.name] = tokenFile;
    } else env[entry.name] = entry.value;
  }
  return loadConfig({ file, env }).config;
}

describe('deploy/kubernetes', () => {
  it('parses, and kustomization.yaml applies everything but the example Secret', () => {
    const kustomization = one('Kustomization');
    const resources = kustomization.resources as string[];
    expect(resources).not.toContain('secret.example.yaml');
    for (const file of files) {
      if (file === 'kustomization.yaml' || file === 'secret.example.yaml') continue;
      expect(resources, file).toContain(file);
    }
    // The image name the Deployment uses is the one kustomize rewrites.
    expect((kustomization.images as Json[]).map((image) => image.name)).toContain(container.image);
  });

  it('ships a ConfigMap config that passes loadConfig with the pod’s environment', () => {
    const config = loadPodConfig();
    expect(config.redis.url).toBe(secret.stringData['redis-url']);
    expect(config.sources.hr?.connection.type).toBe('http-json');
    expect(config.http.auth?.password.reveal()).toBe('an-operator-chosen-password');
  });

  it('refuses to start with the example Secret’s documented password left in place', () => {
    expect(secret.stringData['http-password']).toBe('change-me');
    expect(() => loadPodConfig({})).toThrow(/http\.auth\.password: is the documented example password/);
  });

  it('runs worker replicas with the image’s default command', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const runtime = parseDockerfile(readRepoFile('Dockerfile')).at(-1)!;
    const cmd = execForm(runtime.instructions.find((i) => i.keyword === 'CMD')!.args);
    expect(container.args).toEqual(cmd);
    expect(container.command, 'keeps the image ENTRYPOINT (tini)').toBeUndefined();
  });

  it('probes liveness on /healthz and readiness on /readyz of the configured HTTP port', () => {
    const config = loadPodConfig();
    const port = (container.ports as Json[]).find((p) => p.name === 'http');
    expect(port?.containerPort).toBe(config.http.port);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
  });

  it('gives a stopping pod more time than the job shutdown timeout', () => {
    const config = loadPodConfig();
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(
      config.queue.shutdownTimeout + 10_000,
    );
  });

  it('takes REDIS_URL and the Kratos admin token from the Secret, never from the ConfigMap', () => {
    expect(envVar('REDIS_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: 'redis-url',
    });
    const tokenFile = envVar('KRATOS_ADMIN_TOKEN_FILE')?.value as string;
    const mounted = volumeFor(tokenFile);
    expect(mounted?.volume.secret?.secretName).toBe(secret.metadata.name);
    const item = (mounted!.volume.secret.items as Json[]).find(
      (i) => i.path === path.relative(mounted!.mountPath, tokenFile),
    );
    expect(item?.key).toBe('kratos-admin-token');
    // Every Secret reference resolves to a key the example Secret documents.
    for (const entry of container.env as Json[]) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (ref) expect(Object.keys(secret.stringData), entry.name).toContain(ref.key);
    }
    const text = JSON.stringify(configMap.data);
    for (const value of Object.values(secret.stringData as Record<string, string>)) {
      if (value.length >= 6) expect(text).not.toContain(value);
    }
  });

  it('mounts the ConfigMap where KRATOS_SYNC_CONFIG points', () => {
    const configPath = envVar('KRATOS_SYNC_CONFIG')?.value as string;
    const mounted = volumeFor(configPath);
    expect(mounted?.volume.configMap?.name).toBe(configMap.metadata.name);
    expect(Object.keys(configMap.data)).toContain(path.relative(mounted!.mountPath, configPath));
  });

  it('runs as the image’s non-root user with a read-only root filesystem and writable scratch space', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    const dockerUser = parseDockerfile(readRepoFile('Dockerfile'))
      .at(-1)!
      .instructions.filter((i) => i.keyword === 'USER')
      .at(-1)!.args;
    expect(String(pod.securityContext.runAsUser)).toBe(dockerUser.split(':')[0]);
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    const config = loadPodConfig();
    for (const writable of [config.delivery.outbox.dir, '/tmp/x']) {
      expect(volumeFor(writable)?.volume.emptyDir, writable).toBeDefined();
    }
  });

  it('requests CPU and memory and caps memory', () => {
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(container.resources.limits.memory).toBeDefined();
  });

  it('exposes HTTP through a Service that selects the Deployment’s pods', () => {
    const service = one('Service');
    const labels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(labels).toMatchObject(service.spec.selector);
    expect(deployment.spec.selector.matchLabels).toEqual(service.spec.selector);
    const port = (service.spec.ports as Json[])[0]!;
    expect((container.ports as Json[]).map((p) => p.name)).toContain(port.targetPort);
    const budget = one('PodDisruptionBudget');
    expect(budget.spec.selector.matchLabels).toEqual(service.spec.selector);
  });
});
