/**
 * SqliteStore: the async `Store` over worker threads that own the SQLite connections: one writes (the
 * ledger, keys, budgets) and answers the gateway's own small reads; reports (spend, analytics, scans,
 * outcomes) run on a second, read-only connection, started on the first report, so a long report
 * never holds back the ledger's writes (WAL: readers and the writer do not wait on each other).
 */
import type { BudgetRecord, CallGroupQuery, CallGroupRow, CallPage, CallQuery, CallRow, CallScan, KeyRecord, OutcomeQuery, OutcomeRecord, ProviderUsageQuery, ProviderUsageRow, SavingsRow, SpendQuery, SpendRow, Store } from '../types.js';
import type { AnalyticsQuery, AnalyticsRow } from '../../analytics/query.js';
import { packCallRows } from './call-pack.js';
import { callPage, unpackCalls, type CallBatch } from './call-batch.js';
import { WorkerLink, type WorkerOptions } from './worker-link.js';

/**
 * The workers' young generation while they serve a gateway (V8's default lets it grow to 48 MB).
 * Everything a worker allocates per message (a flush's values, the rollup sums) is garbage once it
 * has replied, so a small one costs little there: appending 450k gateway-like rows in 300-row flushes
 * kept the process at 103 MB with 4 MB against 126 MB unbounded, for 0.2-0.6 us more CPU a row. Paging
 * through the ledger (replay, exports) costs ~1 us more a row with it (measured), so offline commands
 * open the store with `batch`, which leaves V8's default.
 */
const SERVING_YOUNG_MB = 4;

export class SqliteStore implements Store {
  private readonly writer: WorkerLink;
  private reader: WorkerLink | null = null;
  private readonly readerOptions: WorkerOptions | null;
  private closed = false;

  /**
   * `opts.skipRollups`: the recording benchmark's baseline only (see SqliteDatabase). `opts.batch`: an
   * offline command reading much of the ledger, not a gateway (V8's default young generation).
   */
  constructor(path: string, opts: { skipRollups?: boolean; batch?: boolean } = {}) {
    const young = opts.batch ? undefined : SERVING_YOUNG_MB;
    this.writer = new WorkerLink({ path, skipRollups: opts.skipRollups, batch: opts.batch, youngGenerationMb: young });
    // An in-memory database is its connection's own: a second one would be another, empty database.
    this.readerOptions = path === ':memory:' ? null : { path, batch: opts.batch, readonly: true, youngGenerationMb: young };
  }

  private call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return this.writer.call<T>(method, args);
  }

  /** A report's read, on the read-only connection (started now if not yet, or again after it failed). */
  private read<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (this.readerOptions === null) return this.writer.call<T>(method, args);
    if (this.reader === null || this.reader.gone) this.reader = new WorkerLink(this.readerOptions);
    return this.reader.call<T>(method, args);
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
    return this.read('spend', q);
  }
  savings(q: SpendQuery): Promise<SavingsRow[]> {
    return this.read('savings', q);
  }
  calls(q: CallQuery): Promise<CallRow[]> {
    return this.read('calls', q);
  }
  async scanCalls(q: CallScan): Promise<CallRow[]> {
    return unpackCalls(await this.read<CallBatch>('scanCallBatch', q));
  }
  async scanCallPage(q: CallScan): Promise<CallPage> {
    return callPage(await this.read<CallBatch>('scanCallBatch', q));
  }
  callGroups(q: CallGroupQuery): Promise<CallGroupRow[]> {
    return this.read('callGroups', q);
  }
  insertOutcome(o: OutcomeRecord): Promise<void> {
    return this.call('insertOutcome', o);
  }
  outcomes(q: OutcomeQuery): Promise<OutcomeRecord[]> {
    return this.read('outcomes', q);
  }
  upsertProviderUsage(rows: ProviderUsageRow[]): Promise<void> {
    return this.call('upsertProviderUsage', rows);
  }
  providerUsage(q: ProviderUsageQuery): Promise<ProviderUsageRow[]> {
    return this.read('providerUsage', q);
  }
  analytics(q: AnalyticsQuery): Promise<AnalyticsRow[]> {
    return this.read('analytics', q);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.writer.close(), this.reader?.close()]);
  }
}
