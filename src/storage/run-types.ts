/**
 * Where run-guard state lives: per instance in memory, or shared by all instances in Redis. The
 * state is an opaque JSON-serialisable value (guard/state.ts bounds its size), treated as immutable:
 * the memory store keeps the object itself (no serialisation on the hot path), Redis keeps JSON.
 * Updates are compare-and-set on a version so two instances serving one run never lose calls.
 */

export interface StoredRun {
  state: unknown;
  version: number;
}

export interface RunStore {
  load(runId: string): Promise<StoredRun | null>;
  /** Write if the stored version still equals `expected` (0 = absent); false on conflict. */
  save(runId: string, state: unknown, expected: number, lastAt: number, ttlMs: number): Promise<boolean>;
  /** The most recently active runs, newest first. */
  recent(limit: number): Promise<{ runId: string; state: unknown }[]>;
  close(): Promise<void>;
  /**
   * Optional, for stores that hold states in this process: run `fn` on the stored state itself (it may
   * change it in place), load to save with nothing in between, so no update can interleave; the version
   * moves on as with save. See updateRunInPlace.
   */
  mutate?<S, R>(runId: string, init: () => S, fn: (state: S) => { lastAt: number; result: R }, ttlMs: number): { state: S; result: R };
}

/**
 * Load, apply `fn`, save; retry with jittered backoff on a concurrent update from another instance.
 * Updates of one run within one process are serialised by `RunLocks` so they never conflict.
 */
export async function updateRun<S, R>(
  store: RunStore,
  runId: string,
  init: () => S,
  fn: (state: S) => { state: S; lastAt: number; result: R },
  ttlMs: number,
): Promise<{ state: S; result: R }> {
  for (let attempt = 0; ; attempt++) {
    const found = await store.load(runId);
    const current = found ? (found.state as S) : init();
    const next = fn(current);
    if (await store.save(runId, next.state, found?.version ?? 0, next.lastAt, ttlMs)) return { state: next.state, result: next.result };
    if (attempt >= 100) throw new Error(`run ${runId}: too many concurrent updates`);
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
  runId: string,
  init: () => S,
  fn: (state: S) => { lastAt: number; result: R },
  ttlMs: number,
): Promise<{ state: S; result: R }> {
  if (store.mutate !== undefined) {
    try {
      return Promise.resolve(store.mutate(runId, init, fn, ttlMs));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
  return updateRun(
    store,
    runId,
    init,
    (state: S) => {
      const r = fn(state);
      return { state, lastAt: r.lastAt, result: r.result };
    },
    ttlMs,
  );
}

/** One queue per run id: in-process updates of a run happen one after another. */
export class RunLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(runId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(runId, tail);
    void tail.then(() => {
      if (this.tails.get(runId) === tail) this.tails.delete(runId);
    });
    return next;
  }
}
