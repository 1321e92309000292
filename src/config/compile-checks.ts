import { createRequire } from 'node:module';
import jsonata from 'jsonata';
import type * as NodeCron from 'node-cron';
import type { z } from 'zod';
import { MAPPING_VALUE_FIELDS } from './expression-fields.ts';
import { isTimeZone } from './time-zone.ts';

interface SourceShape {
  mapping: Record<string, unknown>;
  leaver: { when?: string; terminationDate?: string; timeZone: string };
  webhook?: { personKey: string; eventVersion?: string; leaverEvent?: string };
  onboarding: Record<string, unknown> & { defaultTimeZone: string; timeZone?: string };
  schedule?: string;
}

/** Options holding a JSONata expression, per section of a source. */
const EXPRESSIONS = {
  mapping: ['scope', ...MAPPING_VALUE_FIELDS],
  leaver: ['when', 'terminationDate'],
  webhook: ['personKey', 'eventVersion', 'leaverEvent'],
  onboarding: ['startDate', 'timeZone', 'managerEmail', 'email', 'name'],
} as const;

/**
 * Cross-option rule of the config schema: everything start-up compiles — each JSONata expression, each
 * cron `schedule`, each fixed IANA time zone — is compiled here too, so `check-config` fails exactly when
 * a worker or a sync would, naming the option, instead of passing a config that cannot start.
 */
export function checkCompiledOptions(
  config: { sources: Record<string, SourceShape> },
  ctx: z.RefinementCtx,
): void {
  const fail = (path: Array<string>, message: string) => ctx.addIssue({ code: 'custom', path, message });
  for (const [name, source] of Object.entries(config.sources)) {
    for (const [section, fields] of Object.entries(EXPRESSIONS)) {
      const values = source[section as keyof typeof EXPRESSIONS] as Record<string, unknown> | undefined;
      for (const field of fields) {
        const text = values?.[field];
        if (typeof text !== 'string') continue;
        const problem = jsonataProblem(text);
        if (problem) fail(['sources', name, section, field], `not a valid JSONata expression (${problem})`);
      }
    }
    if (!isTimeZone(source.leaver.timeZone)) {
      fail(
        ['sources', name, 'leaver', 'timeZone'],
        `"${source.leaver.timeZone}" is not an IANA time zone (e.g. Europe/Berlin)`,
      );
    }
    if (!isTimeZone(source.onboarding.defaultTimeZone)) {
      fail(
        ['sources', name, 'onboarding', 'defaultTimeZone'],
        `"${source.onboarding.defaultTimeZone}" is not an IANA time zone (e.g. Europe/Berlin)`,
      );
    }
    if (source.schedule !== undefined) {
      const result = cron().validateDetailed(source.schedule);
      if (!result.valid) {
        const problems = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
        fail(
          ['sources', name, 'schedule'],
          `"${source.schedule}" is not a valid cron expression (${problems})`,
        );
      }
    }
  }
}

// node-cron loads only for a config with a schedule: most syncs and every CLI command without one skip it.
const require = createRequire(import.meta.url);
const cron = () => require('node-cron') as typeof NodeCron;

function jsonataProblem(text: string): string | undefined {
  try {
    jsonata(text);
    return undefined;
  } catch (err) {
    const detail = err as { code?: string; position?: number; message?: string };
    return `${detail.code ?? 'syntax'} at position ${detail.position ?? '?'}: ${detail.message ?? String(err)}`;
  }
}
