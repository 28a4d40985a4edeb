/**
 * Where run-guard state lives: per instance in memory, or shared by all instances in Redis. The
 * state is an opaque JSON-serialisable value (guard/state.ts bounds its size), treated as immutable:
 * the memory store keeps the object itself (no serialisation on the hot path), Redis keeps JSON.
 * Updates are compare-and-set on a version so two instances serving one run never lose calls.
 *
 * A run is addressed by its team AND its id (RunRef): the id is whatever the client sent (a header, a
 * trace id, a session), so two teams may well send the same one, and their runs must not share state
 * (one team's loop would otherwise stop, pause or refuse the other's run).
 */

/** One run: the team of the key that called, and the run id as the client gave it. */
export interface RunRef {
  team: string;
  runId: string;
}

/** The key of a run in in-process maps and queues: unambiguous, as the team is URI-encoded (no ':'). */
export function runKey(ref: RunRef): string {
  return `${encodeURIComponent(ref.team)}:${ref.runId}`;
}

/** The RunRef a runKey came from. */
export function parseRunKey(key: string): RunRef {
  const i = key.indexOf(':');
  return { team: decodeURIComponent(key.slice(0, i)), runId: key.slice(i + 1) };
}

export interface StoredRun {
  state: unknown;
  version: number;
}

export interface RecentRun extends RunRef {
  state: unknown;
}

export interface RunStore {
  load(ref: RunRef): Promise<StoredRun | null>;
  /** Write if the stored version still equals `expected` (0 = absent); false on conflict. */
  save(ref: RunRef, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean>;
  /** The most recently active runs (of one team, when given), newest first. */
  recent(limit: number, team?: string): Promise<RecentRun[]>;
  /** The teams that have a live run with this id (usually one), sorted. */
  teamsOf(runId: string): Promise<string[]>;
  close(): Promise<void>;
  /**
   * Optional, for stores that hold states in this process: run `fn` on the stored state itself (it may
   * change it in place), load to save with nothing in between, so no update can interleave; the version
   * moves on as with save. See updateRunInPlace.
   */
  mutate?<S, R>(ref: RunRef, init: () => S, fn: (state: S) => { lastAt: number; result: R }, ttlMs: number): { state: S; result: R };
}

/**
 * Load, apply `fn`, save; retry with jittered backoff on a concurrent update from another instance.
 * Updates of one run within one process are serialised by `RunLocks` so they never conflict.
 */
export async function updateRun<S, R>(
  store: RunStore,
  ref: RunRef,
  init: () => S,
  fn: (state: S) => { state: S; lastAt: number; result: R },
  ttlMs: number,
): Promise<{ state: S; result: R }> {
  for (let attempt = 0; ; attempt++) {
    const found = await store.load(ref);
    const current = found ? (found.state as S) : init();
    const next = fn(current);
    if (await store.save(ref, next.state, found?.version ?? 0, next.lastAt, ttlMs)) return { state: next.state, result: next.result };
    if (attempt >= 100) throw new Error(`run ${ref.runId} of team ${ref.team}: too many concurrent updates`);
    await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 5)));
  }
}

/**
 * updateRun for an `fn` that changes the state IN PLACE (returning only when the run was active and
 * what to answer): the store's own `mutate` when it has one (memory: no copy, no await), else load /
 * fn / compare-and-set save, which is safe because such a store hands out a fresh copy on every load.
 */
export function updateRunInPlace<S, R>(
  store: RunStore,
  ref: RunRef,
  init: () => S,
  fn: (state: S) => { lastAt: number; result: R },
  ttlMs: number,
): Promise<{ state: S; result: R }> {
  if (store.mutate !== undefined) {
    try {
      return Promise.resolve(store.mutate(ref, init, fn, ttlMs));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  return updateRun(
    store,
    ref,
    init,
    (state: S) => {
      const r = fn(state);
      return { state, lastAt: r.lastAt, result: r.result };
    },
    ttlMs,
  );
}

/** One queue per run (team and id): in-process updates of a run happen one after another. */
export class RunLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(ref: RunRef, fn: () => Promise<T>): Promise<T> {
    const key = runKey(ref);
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
