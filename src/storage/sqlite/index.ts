/** SqliteStore: the async `Store` over a worker thread that owns the SQLite connection. */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BudgetRecord, CallGroupQuery, CallGroupRow, CallPage, CallQuery, CallRow, CallScan, KeyRecord, OutcomeQuery, OutcomeRecord, ProviderUsageQuery, ProviderUsageRow, SavingsRow, SpendQuery, SpendRow, Store } from '../types.js';
import type { AnalyticsQuery, AnalyticsRow } from '../../analytics/query.js';
import type { WorkerReply } from './worker.js';
import { packCallRows } from './call-pack.js';
import { callPage, unpackCalls, type CallBatch } from './call-batch.js';

/** The compiled worker; when running from TypeScript sources (tests), the built copy in dist/. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../../dist/storage/sqlite/worker.js', import.meta.url);
}

/**
 * The worker's young generation while it serves a gateway (V8's default lets it grow to 48 MB).
 * Everything the worker allocates per message (a flush's values, the rollup sums) is garbage once it
 * has replied, so a small one costs little there: appending 450k gateway-like rows in 300-row flushes
 * kept the process at 103 MB with 4 MB against 126 MB unbounded, for 0.2-0.6 us more CPU a row. Paging
 * through the ledger (replay, exports) costs ~1 us more a row with it (measured), so offline commands
 * open the store with `batch`, which leaves V8's default.
 */
const SERVING_YOUNG_MB = 4;

export class SqliteStore implements Store {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;
  /** Why the worker is gone, once it exited: a message posted to it then would never be answered. */
  private gone: Error | null = null;

  /**
   * `opts.skipRollups`: the recording benchmark's baseline only (see SqliteDatabase). `opts.batch`: an
   * offline command reading much of the ledger, not a gateway (V8's default young generation).
   */
  constructor(path: string, opts: { skipRollups?: boolean; batch?: boolean } = {}) {
    this.worker = new Worker(workerUrl(), {
      workerData: { path, skipRollups: opts.skipRollups === true, batch: opts.batch === true },
      ...(opts.batch ? {} : { resourceLimits: { maxYoungGenerationSizeMb: SERVING_YOUNG_MB } }),
    });
    this.worker.on('message', (msg: WorkerReply) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ('error' in msg) p.reject(new Error(`sqlite: ${msg.error}`));
      else p.resolve(msg.result);
    });
    this.worker.on('error', (err) => {
      this.gone = err;
      this.failAll(err);
    });
    this.worker.on('exit', () => {
      this.gone ??= new Error('sqlite worker exited');
      this.failAll(this.gone);
    });
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, method, args });
    });
  }

  migrate(): Promise<void> {
    return this.call('migrate');
  }
  getMeta(name: string): Promise<string | null> {
    return this.call('getMeta', name);
  }
  setMetaIfAbsent(name: string, value: string): Promise<string> {
    return this.call('setMetaIfAbsent', name, value);
  }
  insertKey(key: KeyRecord): Promise<void> {
    return this.call('insertKey', key);
  }
  getKey(id: string): Promise<KeyRecord | null> {
    return this.call('getKey', id);
  }
  listKeys(): Promise<KeyRecord[]> {
    return this.call('listKeys');
  }
  revokeKey(id: string, at: number): Promise<boolean> {
    return this.call('revokeKey', id, at);
  }
  keysVersion(): Promise<number> {
    return this.call('keysVersion');
  }
  upsertBudget(budget: BudgetRecord): Promise<void> {
    return this.call('upsertBudget', budget);
  }
  listBudgets(): Promise<BudgetRecord[]> {
    return this.call('listBudgets');
  }
  deleteBudget(id: string): Promise<boolean> {
    return this.call('deleteBudget', id);
  }
  budgetsVersion(): Promise<number> {
    return this.call('budgetsVersion');
  }
  sumCalls(q: Parameters<Store['sumCalls']>[0]): Promise<{ costNanos: number; tokens: number }> {
    return this.call('sumCalls', q);
  }
  appendCalls(rows: CallRow[]): Promise<number> {
    return this.call('appendCallPack', packCallRows(rows));
  }
  spend(q: SpendQuery): Promise<SpendRow[]> {
    return this.call('spend', q);
  }
  savings(q: SpendQuery): Promise<SavingsRow[]> {
    return this.call('savings', q);
  }
  calls(q: CallQuery): Promise<CallRow[]> {
    return this.call('calls', q);
  }
  async scanCalls(q: CallScan): Promise<CallRow[]> {
    return unpackCalls(await this.call<CallBatch>('scanCallBatch', q));
  }
  async scanCallPage(q: CallScan): Promise<CallPage> {
    return callPage(await this.call<CallBatch>('scanCallBatch', q));
  }
  callGroups(q: CallGroupQuery): Promise<CallGroupRow[]> {
    return this.call('callGroups', q);
  }
  insertOutcome(o: OutcomeRecord): Promise<void> {
    return this.call('insertOutcome', o);
  }
  outcomes(q: OutcomeQuery): Promise<OutcomeRecord[]> {
    return this.call('outcomes', q);
  }
  upsertProviderUsage(rows: ProviderUsageRow[]): Promise<void> {
    return this.call('upsertProviderUsage', rows);
  }
  providerUsage(q: ProviderUsageQuery): Promise<ProviderUsageRow[]> {
    return this.call('providerUsage', q);
  }
  analytics(q: AnalyticsQuery): Promise<AnalyticsRow[]> {
    return this.call('analytics', q);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.call('close');
    this.closed = true;
    await this.worker.terminate();
  }
}
