import { inject } from 'vitest';
import { stringify } from 'yaml';

/**
 * Source `hr` as the spawned-CLI tests configure it: people.csv in the engine harness's columns, mapped to
 * the employee schema as written (no scope and no leaver rule, unlike the engine harness's `sourceSection`);
 * `extra` adds the test's guard, webhook and so on.
 */
export function plainCsvSource(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    connection: { type: 'csv', path: 'people.csv' },
    mapping: {
      key: 'employee_id',
      externalId: '"hr-" & employee_id',
      schemaId: '"employee"',
      traits:
        '{ "email": work_email, "name": { "first": first_name, "last": last_name }, "department": department }',
      version: 'updated_at',
    },
    ...extra,
  };
}

/**
 * The YAML config file of a spawned-CLI test: Kratos as given, the test Redis under `prefix`, source `hr` as
 * `plainCsvSource(source)`, and any other top-level sections in `extra`.
 */
export function cliConfigYaml(options: {
  kratos: Record<string, unknown>;
  prefix: string;
  source?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}): string {
  return stringify({
    kratos: options.kratos,
    redis: { url: inject('redisUrl'), prefix: options.prefix },
    sources: { hr: plainCsvSource(options.source) },
    ...options.extra,
  });
}
