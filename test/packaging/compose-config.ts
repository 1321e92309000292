import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readRepoFile, REPO_ROOT } from './repo-files.ts';

/** A SCIM bearer token for the compose config's `directory` source (it reads `SCIM_TOKEN`). */
export const COMPOSE_SCIM_TOKEN = 'compose-sample-scim-token-0123456789';

/**
 * The compose stack's kratos-sync config, pointed at a test's Kratos and Redis: the CSV read from the
 * repository, and every source's onboarding delivered to an outbox folder instead of the stack's Mailpit.
 */
export function composeConfigFor(options: {
  adminUrl: string;
  publicUrl: string;
  redisUrl: string;
  redisPrefix: string;
  outboxDir: string;
}): Record<string, any> {
  const config = parseYaml(readRepoFile('config/compose/config.yaml')) as Record<string, any>;
  config.kratos.adminUrl = options.adminUrl;
  config.kratos.publicUrl = options.publicUrl;
  config.redis = { url: options.redisUrl, prefix: options.redisPrefix };
  config.sources.hr.connection.path = path.join(REPO_ROOT, 'config/compose/employees.csv');
  for (const source of Object.values(config.sources) as Array<Record<string, any>>) {
    if (source.onboarding) source.onboarding.channel = 'outbox';
  }
  config.delivery = { outbox: { dir: options.outboxDir } };
  return config;
}
