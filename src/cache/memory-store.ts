/**
 * In-process response cache for one gateway instance. LRU by recency: a Map keeps insertion order, so a
 * hit is re-inserted at the end and eviction takes from the front. Bounded by entry count and by total
 * body bytes; TTL is judged against the caller's `now` on get. `getNow` / `setNow` are get and set
 * without the promise (replay runs them per call).
 */
import type { CachedResponse, ResponseCacheStore } from './types.js';

export interface MemoryCacheStoreOptions {
  maxEntries: number;
  /** Upper bound on the sum of cached body sizes (UTF-8 bytes); a larger single body is not cached. */
  maxBytes: number;
}

interface Entry {
  value: CachedResponse;
  expiresAt: number;
  bytes: number;
}

export class MemoryCacheStore implements ResponseCacheStore {
  private readonly entries = new Map<string, Entry>();
  private totalBytes = 0;
  /**
   * Where eviction stopped: every entry before it was evicted (a hit or a set moves its entry to the end,
   * past it), so its next entry is the least recently used. A Map iterator started afresh would step over
   * every hole the deletes left at the front of the table first, on each eviction of a full cache.
   */
  private cursor: Iterator<[string, Entry]> | null = null;

  constructor(private readonly opts: MemoryCacheStoreOptions) {
    if (!(opts.maxEntries >= 0) || !(opts.maxBytes >= 0)) throw new RangeError('cache limits must be >= 0');
  }

  /** Entries held now, expired ones included until they are touched or evicted. */
  get size(): number {
    return this.entries.size;
  }

  /** Sum of the held bodies' UTF-8 sizes. */
  get bytes(): number {
    return this.totalBytes;
  }

  get(key: string, now: number): Promise<CachedResponse | null> {
    return Promise.resolve(this.getNow(key, now));
  }

  getNow(key: string, now: number): CachedResponse | null {
    const e = this.entries.get(key);
    if (!e) return null;
    this.entries.delete(key);
    if (now >= e.expiresAt) {
      this.totalBytes -= e.bytes;
      return null;
    }
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: CachedResponse, ttlMs: number, now: number): Promise<void> {
    this.setNow(key, value, ttlMs, now);
    return Promise.resolve();
  }

  setNow(key: string, value: CachedResponse, ttlMs: number, now: number): void {
    this.remove(key);
    const bytes = Buffer.byteLength(value.body, 'utf8');
    if (ttlMs > 0 && bytes <= this.opts.maxBytes && this.opts.maxEntries > 0) {
      this.entries.set(key, { value, expiresAt: now + ttlMs, bytes });
      this.totalBytes += bytes;
      this.evict();
    }
  }

  close(): Promise<void> {
    this.entries.clear();
    this.totalBytes = 0;
    this.cursor = null;
    return Promise.resolve();
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.totalBytes -= e.bytes;
  }

  /** Drop least recently used entries until both limits hold. */
  private evict(): void {
    if (this.within()) return;
    for (;;) {
      let next = this.cursor?.next();
      if (!next || next.done) {
        this.cursor = this.entries.entries();
        next = this.cursor.next();
        if (next.done) return;
      }
      const [key, e] = next.value;
      this.entries.delete(key);
      this.totalBytes -= e.bytes;
      if (this.within()) return;
    }
  }

  private within(): boolean {
    return this.entries.size <= this.opts.maxEntries && this.totalBytes <= this.opts.maxBytes;
  }
}
