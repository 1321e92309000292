import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';

describe('test setup', () => {
  it('provides a real redis-server', async () => {
    const redis = new Redis(inject('redisUrl'));
    try {
      await redis.set('smoke', 'yes');
      expect(await redis.get('smoke')).toBe('yes');
      expect(await redis.info('server')).toContain('redis_version');
    } finally {
      redis.disconnect();
    }
  });
});
