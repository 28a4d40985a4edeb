/**
 * Run states shared by every instance: one JSON string per run under the same hash tag as the
 * counters, a version for compare-and-set (one Lua round trip), and a sorted set of recently active
 * runs for listing. State expires with its TTL when the run goes quiet.
 */
import { Redis } from 'ioredis';
import { quitRedis } from './quit.js';
import type { RunStore, StoredRun } from '../run-types.js';

const SAVE = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if cur ~= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'v', cur + 1, 's', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return 1`;

export class RedisRunStore implements RunStore {
  private readonly redis: Redis;
  private readonly tag: string;

  constructor(opts: { url: string; prefix?: string }) {
    this.tag = `{${opts.prefix ?? 'tg'}}`;
    this.redis = new Redis(opts.url, { maxRetriesPerRequest: 1, connectTimeout: 1000, commandTimeout: 1000, lazyConnect: false });
    this.redis.on('error', () => undefined); // surfaced as rejected commands
    this.redis.defineCommand('tgRunSave', { numberOfKeys: 2, lua: SAVE });
  }

  private key(runId: string): string {
    return `${this.tag}:run:${runId}`;
  }

  async load(runId: string): Promise<StoredRun | null> {
    const [v, s] = await this.redis.hmget(this.key(runId), 'v', 's');
    return v && s ? { state: JSON.parse(s) as unknown, version: Number(v) } : null;
  }

  async save(runId: string, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean> {
    const json = JSON.stringify(state);
    const cmd = (this.redis as unknown as { tgRunSave: (...a: (string | number)[]) => Promise<number> }).tgRunSave;
    const ok = await cmd.call(this.redis, this.key(runId), `${this.tag}:runs`, json, expected, lastAt, ttlMs, runId);
    return ok === 1;
  }

  async recent(limit: number): Promise<{ runId: string; state: unknown }[]> {
    const ids = await this.redis.zrevrange(`${this.tag}:runs`, 0, limit * 2);
    const out: { runId: string; state: unknown }[] = [];
    const stale: string[] = [];
    for (const runId of ids) {
      const s = await this.redis.hget(this.key(runId), 's');
      if (s) out.push({ runId, state: JSON.parse(s) as unknown });
      else stale.push(runId);
      if (out.length >= limit) break;
    }
    if (stale.length) await this.redis.zrem(`${this.tag}:runs`, ...stale);
    return out;
  }

  async close(): Promise<void> {
    await quitRedis(this.redis);
  }
}
