/**
 * Response cache in Redis, shared by many gateway instances. One GET or one SET PX per operation;
 * values are JSON and expire on Redis time. Keys are `{prefix}:cache:<key>`: the hash tag matches the
 * other Redis stores (storage/redis/), so one prefix names one Cluster slot. Failures reject promptly
 * (short timeouts, no waiting for a reconnect); the caller treats a failed operation as a miss.
 */
import { quitRedis } from '../storage/redis/quit.js';
import { Redis, type RedisOptions } from 'ioredis';
import { z } from 'zod';
import type { CachedResponse, ResponseCacheStore } from './types.js';

export interface RedisCacheStoreOptions {
  url: string;
  /** Hash tag shared by every key; must not contain braces. Default 'tg'. */
  prefix?: string;
  /** Give up a connection attempt after this long. Default 500 ms. */
  connectTimeoutMs?: number;
  /** Reject a command whose reply has not arrived after this long. Default 250 ms. */
  commandTimeoutMs?: number;
}

const count = z.number().int().nonnegative();
const cachedResponse = z.object({
  api: z.enum(['openai', 'anthropic']),
  model: z.string(),
  body: z.string(),
  usage: z.object({
    input: count,
    cachedInput: count,
    cacheWrite5m: count,
    cacheWrite1h: count,
    output: count,
    reasoning: count,
  }),
  serviceTier: z.string().nullable().optional(),
  createdAt: z.number(),
});

function clientOptions(opts: RedisCacheStoreOptions): RedisOptions {
  return {
    connectTimeout: opts.connectTimeoutMs ?? 500,
    commandTimeout: opts.commandTimeoutMs ?? 250,
    // A cache op that cannot run now is a miss, not worth waiting for: give up after one reconnect.
    maxRetriesPerRequest: 1,
    // Keep reconnecting in the background so the cache comes back by itself.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  };
}

export class RedisCacheStore implements ResponseCacheStore {
  private readonly client: Redis;
  private readonly tag: string;

  constructor(opts: RedisCacheStoreOptions) {
    const prefix = opts.prefix ?? 'tg';
    if (prefix === '' || /[{}]/.test(prefix)) throw new RangeError(`invalid cache key prefix: ${prefix}`);
    this.tag = `{${prefix}}:cache:`;
    this.client = new Redis(opts.url, clientOptions(opts));
    // Queue commands only until the first connection attempt settles; after that a command sent while
    // disconnected rejects at once instead of waiting for a reconnect.
    const stopQueueing = (): void => {
      this.client.options.enableOfflineQueue = false;
    };
    this.client.once('ready', stopQueueing);
    this.client.once('close', stopQueueing);
    // Listening also stops ioredis printing every reconnect failure; the cause surfaces in rejections.
    this.client.on('error', () => undefined);
  }

  /** A stored value that does not parse (another version, manual edits) reads as a miss. */
  async get(key: string, _now: number): Promise<CachedResponse | null> {
    const raw = await this.client.get(this.tag + key);
    if (raw === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return null;
    }
    const parsed = cachedResponse.safeParse(json);
    return parsed.success ? parsed.data : null;
  }

  async set(key: string, value: CachedResponse, ttlMs: number, _now: number): Promise<void> {
    const ms = Math.round(ttlMs);
    if (!(ms > 0)) return;
    await this.client.set(this.tag + key, JSON.stringify(value), 'PX', ms);
  }

  async close(): Promise<void> {
    await quitRedis(this.client);
  }
}
