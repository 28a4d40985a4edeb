import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRunStore } from '../../src/storage/redis/run-store.js';
import { describeRunStore } from './run-store.contract.js';

const url = process.env['TOLLGATE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const prefix = `tgruns${randomBytes(3).toString('hex')}`;

describeRunStore('redis', async () => [1, 2, 3].map(() => new RedisRunStore({ url, prefix })));

afterAll(async () => {
  const r = new Redis(url);
  const keys = await r.keys(`{${prefix}}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});
