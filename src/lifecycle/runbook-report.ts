import { accessRemoved, type OffboardingReceipt } from '../domain/offboarding-receipt.ts';
import type { RunbookOutcome } from './offboard-runbook.ts';
import type { RunbookInputProblem } from './runbook-input.ts';
import type { Resolution } from './resolve-people.ts';

/** One line of the runbook's receipt: who was asked for, what became of them, and why not when not. */
export interface RunbookRow {
  /** What the operator gave (id or email) and where (`--ids #3`, `leavers.csv line 7`). */
  input: string;
  origin: string;
  key: string | null;
  identityId: string | null;
  /** The offboarding outcome, or `unknown` / `not-managed` / `invalid-input` / `duplicate` / `failed`. */
  outcome: string;
  /** True when this person's access is verifiably gone (or they were covered by another line). */
  done: boolean;
  sessionsRevoked: number | null;
  verified: boolean | null;
  deactivatedAt: string | null;
  revokedAt: string | null;
  deletedAt: string | null;
  terminationToRevocationMs: number | null;
  /** Why not, for everyone not done. */
  why: string | null;
}

export interface RunbookSummary {
  requested: number;
  offboarded: number;
  notOffboarded: number;
}

export function rowsFor(
  problems: RunbookInputProblem[],
  resolutions: Resolution[],
  outcomes: RunbookOutcome[],
): RunbookRow[] {
  const byOrigin = new Map(outcomes.map((o) => [o.person.entry.origin, o]));
  const rows: RunbookRow[] = problems.map((p) => blank(p.input, p.origin, 'invalid-input', p.reason));
  for (const resolution of resolutions) {
    const { input, origin } = resolution.entry;
    if (resolution.status === 'unknown') rows.push(blank(input, origin, 'unknown', resolution.reason));
    else if (resolution.status === 'not-managed') {
      rows.push({
        ...blank(input, origin, 'not-managed', resolution.reason),
        identityId: resolution.identityId,
      });
    } else if (resolution.status === 'duplicate') {
      rows.push({
        ...blank(input, origin, 'duplicate', null),
        key: resolution.key,
        identityId: resolution.identityId,
        done: true,
        why: `same person as ${resolution.sameAs}`,
      });
    } else {
      const outcome = byOrigin.get(origin);
      rows.push(fromReceipt(input, origin, resolution, outcome));
    }
  }
  return rows;
}

function fromReceipt(
  input: string,
  origin: string,
  resolution: { identityId: string; key: string },
  outcome: RunbookOutcome | undefined,
): RunbookRow {
  const receipt: OffboardingReceipt | null = outcome?.receipt ?? null;
  const done = !outcome?.failure && !!receipt && accessRemoved(receipt);
  return {
    input,
    origin,
    key: resolution.key,
    identityId: resolution.identityId,
    outcome: receipt?.outcome ?? 'failed',
    done,
    sessionsRevoked: receipt?.sessionsRevoked ?? null,
    verified: receipt?.verified ?? null,
    deactivatedAt: receipt?.deactivatedAt ?? null,
    revokedAt: receipt?.revokedAt ?? null,
    deletedAt: receipt?.deletedAt ?? null,
    terminationToRevocationMs: receipt?.terminationToRevocationMs ?? null,
    why: done ? null : (receipt?.error?.message ?? outcome?.failure ?? 'not processed'),
  };
}

function blank(input: string, origin: string, outcome: string, why: string | null): RunbookRow {
  return {
    input,
    origin,
    key: null,
    identityId: null,
    outcome,
    done: false,
    sessionsRevoked: null,
    verified: null,
    deactivatedAt: null,
    revokedAt: null,
    deletedAt: null,
    terminationToRevocationMs: null,
    why,
  };
}

export function summarise(rows: RunbookRow[]): RunbookSummary {
  const offboarded = rows.filter((r) => r.done).length;
  return { requested: rows.length, offboarded, notOffboarded: rows.length - offboarded };
}
