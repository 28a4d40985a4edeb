/**
 * Run states in this process: a Map per team (runs are per team and id, see RunRef) for lookup and
 * one doubly linked list in least-recently-active order, bounded in count and expiring when quiet. Moving a run to the recent end relinks two
 * pointers: re-inserting into the Map instead (delete + set) left a hole per update, and a Map of
 * 10,000 runs then rebuilt its table every few thousand calls, a pause on the request path.
 */
import type { RecentRun, RunRef, RunStore, StoredRun } from '../run-types.js';

interface Entry {
  team: string;
  runId: string;
  state: unknown;
  version: number;
  lastAt: number;
  expiresAt: number;
  /** Less recently active neighbour (null at the oldest). */
  older: Entry | null;
  /** More recently active neighbour (null at the newest). */
  newer: Entry | null;
}

export class MemoryRunStore implements RunStore {
  /** Team -> run id -> entry: two lookups, no key string built per call. */
  private readonly teams = new Map<string, Map<string, Entry>>();
  private count = 0;
  private oldest: Entry | null = null;
  private newest: Entry | null = null;

  constructor(
    private readonly maxRuns = 100_000,
    private readonly clock: () => number = Date.now,
  ) {}

  load(ref: RunRef): Promise<StoredRun | null> {
    const e = this.live(ref, this.clock());
    return Promise.resolve(e === undefined ? null : { state: e.state, version: e.version });
  }

  save(ref: RunRef, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean> {
    const now = this.clock();
    const e = this.live(ref, now);
    if ((e?.version ?? 0) !== expected) return Promise.resolve(false);
    if (e === undefined) this.insert(ref, state, lastAt, now + ttlMs);
    else this.touch(e, state, lastAt, now + ttlMs);
    return Promise.resolve(true);
  }

  /** The state object itself goes to `fn` (no copy, no await): see RunStore.mutate. */
  mutate<S, R>(ref: RunRef, init: () => S, fn: (state: S) => { lastAt: number; result: R }, ttlMs: number): { state: S; result: R } {
    const now = this.clock();
    const e = this.live(ref, now);
    const state = e === undefined ? init() : (e.state as S);
    const r = fn(state);
    if (e === undefined) this.insert(ref, state, r.lastAt, now + ttlMs);
    else this.touch(e, state, r.lastAt, now + ttlMs);
    return { state, result: r.result };
  }

  recent(limit: number, team?: string): Promise<RecentRun[]> {
    const now = this.clock();
    const out: RecentRun[] = [];
    for (let e = this.newest; e !== null && out.length < limit; e = e.older) {
      if (e.expiresAt > now && (team === undefined || e.team === team)) out.push({ team: e.team, runId: e.runId, state: e.state });
    }
    return Promise.resolve(out);
  }

  teamsOf(runId: string): Promise<string[]> {
    const now = this.clock();
    const out: string[] = [];
    for (const team of [...this.teams.keys()]) if (this.live({ team, runId }, now) !== undefined) out.push(team);
    return Promise.resolve(out.sort());
  }

  get size(): number {
    return this.count;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The run's entry, unless absent or expired (an expired one is dropped). */
  private live(ref: RunRef, now: number): Entry | undefined {
    const e = this.teams.get(ref.team)?.get(ref.runId);
    if (e !== undefined && e.expiresAt <= now) {
      this.remove(e);
      return undefined;
    }
    return e;
  }

  private insert(ref: RunRef, state: unknown, lastAt: number, expiresAt: number): void {
    const e: Entry = { team: ref.team, runId: ref.runId, state, version: 1, lastAt, expiresAt, older: this.newest, newer: null };
    if (this.newest !== null) this.newest.newer = e;
    else this.oldest = e;
    this.newest = e;
    let runs = this.teams.get(ref.team);
    if (runs === undefined) this.teams.set(ref.team, (runs = new Map()));
    runs.set(ref.runId, e);
    this.count++;
    while (this.count > this.maxRuns && this.oldest !== null) this.remove(this.oldest);
  }

  /** A new version of the run, moved to the most recently active end. */
  private touch(e: Entry, state: unknown, lastAt: number, expiresAt: number): void {
    e.state = state;
    e.version++;
    e.lastAt = lastAt;
    e.expiresAt = expiresAt;
    if (this.newest === e) return;
    this.unlink(e);
    e.older = this.newest;
    e.newer = null;
    this.newest!.newer = e;
    this.newest = e;
  }

  private remove(e: Entry): void {
    this.unlink(e);
    const runs = this.teams.get(e.team)!;
    runs.delete(e.runId);
    if (runs.size === 0) this.teams.delete(e.team);
    this.count--;
  }

  private unlink(e: Entry): void {
    if (e.older !== null) e.older.newer = e.newer;
    else this.oldest = e.newer;
    if (e.newer !== null) e.newer.older = e.older;
    else this.newest = e.older;
    e.older = null;
    e.newer = null;
  }
}
