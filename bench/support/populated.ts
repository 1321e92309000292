import { createKratosClient } from '../../src/kratos/client.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { SimOptions } from '../../test/kratos-sim/index.ts';
import { newWorkspace, peopleCsv, writePeople, type Workspace } from './fixture.ts';
import { runPhase } from './phase.ts';
import { startSimProcess, type SimProcess } from './sim-process.ts';

const PHASES = new URL('../initial-import.ts', import.meta.url).href;

/**
 * A simulator already holding `count` managed people, imported by kratos-sync itself at 0 ms latency
 * (so the marker index and run history in Redis are what a real deployment has after its first run).
 * `kratos` overrides the client's config (e.g. `apiVersion` for another simulator profile).
 */
export async function populated(
  redisUrl: string,
  count: number,
  simOptions: SimOptions = {},
  kratos?: Record<string, unknown>,
): Promise<{ sim: SimProcess; workspace: Workspace; importMs: number }> {
  const sim = await startSimProcess({ api: 'v26', ...simOptions });
  const workspace = newWorkspace(redisUrl);
  writePeople(workspace, peopleCsv(count));
  const phase = await runPhase<{ wallMs: number; status: string }>(PHASES, 'kratosSyncPhase', {
    workspace,
    url: sim.url,
    ...(kratos ? { kratos } : {}),
  });
  const held = await sim.count();
  if (held !== count)
    throw new Error(`populating the simulator: expected ${count} identities, found ${held}`);
  return { sim, workspace, importMs: phase.result.wallMs };
}

/**
 * Phase (own process): the serial chain of list pages, walked through kratos-sync's own client with
 * nothing else done per page — the floor under any reconcile that must see every identity.
 */
export async function listChainPhase(args: { url: string; pageSize: number }) {
  const { config } = loadConfig({
    env: {},
    object: {
      kratos: { adminUrl: args.url, apiVersion: 'v26' },
      redis: { url: 'redis://127.0.0.1:1' },
      sources: { hr: { connection: { type: 'csv', path: 'x.csv' }, mapping: { key: 'id', traits: '{}' } } },
    },
  });
  const kratos = await createKratosClient({ config: config.kratos, logger: silentLogger() });
  try {
    const started = performance.now();
    let pages = 0;
    let identities = 0;
    for await (const page of kratos.listIdentities({ pageSize: args.pageSize })) {
      pages++;
      identities += page.length;
    }
    return { wallMs: performance.now() - started, pages, identities };
  } finally {
    await kratos.close();
  }
}

export const populatedPhases = import.meta.url;
