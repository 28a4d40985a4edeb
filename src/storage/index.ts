/**
 * Open the store a config names. Postgres and Redis backends are imported only when configured, so a
 * gateway on the embedded default never loads pg or ioredis (less memory, faster start).
 */
import type { Config } from '../config/schema.js';
import { SqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';
import type { CounterStore } from './counter-types.js';
import { MemoryCounterStore } from './memory/counter-store.js';

/** `opts.batch`: for offline commands that read much of the ledger rather than serve calls (see SqliteStore). */
export async function openStore(config: Config['store'], opts: { batch?: boolean } = {}): Promise<Store> {
  const store: Store =
    config.kind === 'postgres'
      ? new (await import('./postgres/index.js')).PostgresStore({ url: config.url, poolSize: config.pool_size, schema: config.schema })
      : // TOLLGATE_BENCH_SKIP_ROLLUPS=1: the recording benchmark's baseline (ledger rows without rollups).
        new SqliteStore(config.path, { skipRollups: process.env['TOLLGATE_BENCH_SKIP_ROLLUPS'] === '1', batch: opts.batch === true });
  try {
    await store.migrate();
  } catch (err) {
    // Close the pool or worker, or the process would stay alive after reporting the error.
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}

/** Open the counter store for budgets and rate limits that `limits:` names. */
export async function openCounters(config: Config['limits']): Promise<CounterStore> {
  if (config.kind === 'memory') return new MemoryCounterStore();
  // Fail-open deployments must start even when Redis is down; fail-closed ones refuse calls until it is up.
  const { RedisCounterStore } = await import('./redis/counter-store.js');
  return new RedisCounterStore({ url: config.url, prefix: config.prefix });
}
