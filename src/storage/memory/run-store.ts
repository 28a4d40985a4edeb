/** Run states in this process: a Map in least-recently-active order, bounded in count and expiring when quiet. */
import type { RunStore, StoredRun } from '../run-types.js';

interface Entry extends StoredRun {
  lastAt: number;
  expiresAt: number;
}

export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, Entry>();

  constructor(
    private readonly maxRuns = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  load(runId: string): Promise<StoredRun | null> {
    const e = this.runs.get(runId);
    if (!e) return Promise.resolve(null);
    if (e.expiresAt <= this.clock()) {
      this.runs.delete(runId);
      return Promise.resolve(null);
    }
    return Promise.resolve({ state: e.state, version: e.version });
  }

  save(runId: string, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean> {
    const e = this.runs.get(runId);
    const current = e && e.expiresAt > this.clock() ? e.version : 0;
    if (current !== expected) return Promise.resolve(false);
    // Re-insert so iteration order is least recently active first.
    this.runs.delete(runId);
    this.runs.set(runId, { state, version: current + 1, lastAt, expiresAt: this.clock() + ttlMs });
    this.evict();
    return Promise.resolve(true);
  }

  /** The state object itself goes to `fn` (no copy, no await): see RunStore.mutate. */
  mutate<S, R>(runId: string, init: () => S, fn: (state: S) => { lastAt: number; result: R }, ttlMs: number): { state: S; result: R } {
    const now = this.clock();
    let e = this.runs.get(runId);
    if (e !== undefined && e.expiresAt <= now) e = undefined;
    const state = e === undefined ? init() : (e.state as S);
    const r = fn(state);
    this.runs.delete(runId);
    if (e === undefined) {
      this.runs.set(runId, { state, version: 1, lastAt: r.lastAt, expiresAt: now + ttlMs });
      this.evict();
    } else {
      // Same entry, moved to the end: iteration order stays least recently active first.
      e.version++;
      e.lastAt = r.lastAt;
      e.expiresAt = now + ttlMs;
      this.runs.set(runId, e);
    }
    return { state, result: r.result };
  }

  private evict(): void {
    while (this.runs.size > this.maxRuns) {
      const oldest = this.runs.keys().next().value as string;
      this.runs.delete(oldest);
    }
  }

  recent(limit: number): Promise<{ runId: string; state: unknown }[]> {
    const now = this.clock();
    const out: { runId: string; state: unknown }[] = [];
    // Newest last in the map: walk it backwards (admin path, not the request path).
    const ids = [...this.runs.keys()];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const runId = ids[i]!;
      const e = this.runs.get(runId)!;
      if (e.expiresAt > now) out.push({ runId, state: e.state });
    }
    return Promise.resolve(out);
  }

  get size(): number {
    return this.runs.size;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
