import type { SourceRuntime, SyncContext } from './context.ts';
import type { FoundPerson } from './find-person.ts';
import { planSyncDetailed } from './plan.ts';
import type { DesiredIdentity, PlanAction } from '../domain/plan.ts';

/**
 * What a sync would do to one person now: the full-sync planner run over that person alone, with the
 * identities `findPerson` found for them. `syncPerson` applies the action; `explainPerson` only shows it, so
 * both must ask the planner the same question. Undefined: nothing to do.
 */
export function planOnePerson(
  ctx: SyncContext,
  runtime: SourceRuntime,
  key: string,
  desired: DesiredIdentity | undefined,
  found: FoundPerson,
): PlanAction | undefined {
  const plan = planSyncDetailed({
    source: runtime.name,
    desired: desired ? [desired] : [],
    managed: found.managed ? [found.managed, ...found.others] : found.others,
    adoptable: found.adoptable,
    adoptByEmail: runtime.config.adoptByEmail,
    leaver: runtime.config.leaver,
    now: ctx.now(),
    presentKeys: new Set(desired ? [key] : []),
    externalIds: ctx.kratos.capabilities.externalIdLookup,
  });
  return plan.actions.find((a) => a.key === key) ?? plan.actions[0];
}
