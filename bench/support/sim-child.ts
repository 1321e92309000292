/**
 * The Kratos simulator in its own process, driven over IPC by `sim-process.ts`. Benchmarks run the simulator
 * apart from kratos-sync so that the simulator's CPU does not slow the process being measured (the machine
 * has 2 cores: one for each), and so that kratos-sync's peak RSS is its own.
 */
import { startKratosSim, type Faults, type SimOptions } from '../../test/kratos-sim/index.ts';

type Request = { id: number; op: string; args?: unknown };

const options = JSON.parse(process.argv[2] ?? '{}') as SimOptions;
const sim = await startKratosSim(options);

// Each op reads its own argument shape; the parent (sim-process.ts) is the only caller.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ops: Record<string, (args: any) => unknown> = {
  stats: () => sim.stats(),
  /** CPU time of the simulator process so far (ms). */
  cpu: () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  },
  setFaults: (faults: Faults) => sim.setFaults(faults),
  count: () => sim.state.identities.size,
  /** Per managed identity (marker key): id, state, and how many identities share the key (duplicates). */
  managed: () => {
    const byKey: Record<string, { id: string; state: string; copies: number; traits: unknown }> = {};
    for (const identity of sim.state.identities.values()) {
      const marker = (identity.metadata_admin as { kratos_sync?: { key?: string } } | null)?.kratos_sync;
      const key = marker?.key;
      if (!key) continue;
      const seen = byKey[key];
      if (seen) seen.copies++;
      else byKey[key] = { id: identity.id, state: identity.state, copies: 1, traits: identity.traits };
    }
    return byKey;
  },
  byExternalId: (externalId: string) => {
    const id = sim.state.externalIdIndex.get(externalId);
    const identity = id === undefined ? undefined : sim.identity(id);
    return identity ? { id: identity.id, state: identity.state, sessions: sim.sessionsOf(id!).length } : null;
  },
  /** Logs each listed identity in `sessions` times (leavers need sessions to revoke). */
  login: ({ ids, sessions }: { ids: string[]; sessions: number }) => {
    for (const id of ids) for (let i = 0; i < sessions; i++) sim.login(id);
    return ids.length;
  },
  /** Ids (of `ids`) that are revoked: state inactive and no session left. */
  revoked: (ids: string[]) =>
    ids.filter((id) => {
      const identity = sim.identity(id);
      return !identity || (identity.state === 'inactive' && sim.sessionsOf(id).length === 0);
    }),
};

process.on('message', (message: Request) => {
  let reply: { id: number; result?: unknown; error?: string };
  try {
    const op = ops[message.op];
    if (!op) throw new Error(`unknown sim op ${message.op}`);
    reply = { id: message.id, result: op(message.args) };
  } catch (err) {
    reply = { id: message.id, error: String(err) };
  }
  process.send!(reply);
});
process.on('disconnect', () => {
  void sim.stop().then(() => process.exit(0));
});
process.send!({ id: 0, result: { url: sim.url } });
