import type { TestProject } from 'vitest/node';
import { startRedisServer } from './redis-server.ts';

// One real redis-server per test run on a free port; tests isolate themselves by queue prefix / key prefix
// and read its URL from `inject('redisUrl')`.
export default async function setup(project: TestProject) {
  const redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
