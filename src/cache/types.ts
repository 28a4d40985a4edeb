/**
 * What the response cache stores and the interface every cache store implements. A cached entry is
 * always the complete NON-streaming response in the client's API shape; a streaming hit is replayed
 * from it (replay.ts), and a streamed miss is first assembled into it (assemble.ts).
 */
import type { TokenUsage } from '../pricing/usage.js';

/** The client-facing API shapes the cache serves. */
export type CacheApi = 'openai' | 'anthropic';

/** Usage of the call that produced the entry, in Tollgate's token classes (see pricing/usage.ts). */
export type CachedUsage = TokenUsage;

export interface CachedResponse {
  api: CacheApi;
  /** The model that served the original call. */
  model: string;
  /** The complete non-streaming response JSON in the client's API shape. */
  body: string;
  usage: CachedUsage;
  /**
   * The service tier the original call was billed at (null: standard rates, or a model without
   * tiers). Absent in entries written before it was kept: read as null.
   */
  serviceTier?: string | null;
  /** When the entry was written (ms since the epoch, caller's clock). */
  createdAt: number;
}

/**
 * A response cache. Entries are shared between callers and must be treated as immutable. A store may
 * reject (Redis unreachable, timeout); the caller treats a failed operation as a miss and carries on.
 */
export interface ResponseCacheStore {
  /** The entry under `key`, or null when absent or expired at `now`. */
  get(key: string, now: number): Promise<CachedResponse | null>;
  /** Store `value` for `ttlMs` (a ttlMs <= 0 stores nothing). */
  set(key: string, value: CachedResponse, ttlMs: number, now: number): Promise<void>;
  close(): Promise<void>;
}
