/**
 * The SQLite ledger, synchronous (better-sqlite3). It runs inside a worker thread (worker.ts) so the
 * gateway's event loop never waits on disk; index.ts is the async face the gateway uses.
 */
import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BudgetRecord, CallGroupQuery, CallGroupRow, CallQuery, CallRow, CallScan, KeyRecord, OutcomeQuery, OutcomeRecord, ProviderUsageQuery, ProviderUsageRow, SavingsRow, SpendQuery, SpendRow, SpendGroup, Store } from '../types.js';
import { providerUsage, upsertProviderUsage } from './import-queries.js';
import { insertOutcome, outcomes } from './outcome-queries.js';
import { sumCalls } from './sum-calls.js';
import { callGroups, filters, scanCallValues } from './scan-queries.js';
import { MIGRATIONS } from './schema.js';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';
import { packCalls, type CallBatch } from './call-batch.js';
import { unpackCallValues, type CallPack } from './call-pack.js';
import { RollupFold } from './rollup-fold.js';
import { foldAllSql } from '../rollups.js';
import { foldSavingsSql, savingsReportSql } from '../savings-rollup.js';
import { runAnalytics } from '../../analytics/run-query.js';
import { toBudget, toCall, toKey, toSavings, type Row } from './records.js';
import type { AnalyticsQuery, AnalyticsRow } from '../../analytics/query.js';


/** Rows per multi-row INSERT: 32 x 33 columns stays far below SQLite's 32,766 bound variables. */
const ROWS_PER_INSERT = 32;

/** The most of the file a batch reader maps (SQLite maps no more than the file's size). */
const BATCH_MMAP_BYTES = 4 * 1024 ** 3;

const GROUP_COLUMN: Record<SpendGroup, string> = {
  team: 'team',
  user: 'user',
  project: 'project',
  key: 'key_id',
  model: 'served_model',
  provider: 'provider',
  run: 'run',
  agent: 'agent',
  day: "strftime('%Y-%m-%d', started_at / 1000, 'unixepoch')",
};

export class SqliteDatabase {
  private readonly db: Database.Database;
  private insertMany!: (values: SqlValue[]) => number;

  /**
   * `opts.skipRollups`: for the recording benchmark only (bench/scenarios.mjs `recording`), to measure
   * what keeping the rollups costs the gateway: appendCalls stores calls without folding them, so the
   * rollups and every report over them go stale. Never set by a configuration.
   * `opts.batch`: an offline command that reads much of the ledger (replay, exports): its scans read
   * the file through a memory map (mmap_size) instead of copying each page from the OS page cache
   * (~0.5 us less a row scanned, measured over 1M calls). Not for the gateway: the file's pages it
   * reads through the map count in its RSS for as long as the process lives.
   * `opts.readonly`: a second connection, for reports, to a ledger the writing one has set up.
   */
  constructor(path: string, private readonly opts: { skipRollups?: boolean; batch?: boolean; readonly?: boolean } = {}) {
    if (opts.readonly) {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('cache_size = -2000');
      if (opts.batch) this.db.pragma(`mmap_size = ${BATCH_MMAP_BYTES}`);
      return;
    }
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      closeSync(openSync(path, 'a', 0o600)); // owner-only: key hashes and their secret (-wal/-shm inherit it)
    }
    this.db = new Database(path);
    // 8 KB pages for a new ledger (before WAL: a WAL file keeps the page size it was made with, so an
    // existing ledger keeps its own). Recording a call costs the worker mostly the pages a flush writes to
    // the WAL and then checkpoints into the file: with pages twice as large, 7-10% fewer of them to
    // write and fewer page splits and syscalls, ~13% less CPU per recorded call (bench/ledger-append.mjs,
    // 6.9 against 7.6 us; 16 KB measured 6.6 but halves the pages the same cache holds).
    this.db.pragma('page_size = 8192');
    this.db.pragma('journal_mode = WAL');
    // NORMAL with WAL: a committed transaction survives a process crash (not a power cut).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    // 2 MB of page cache (SQLite's stock default; this build's default is 16 MB, and it was 32). Ledger
    // inserts are appends (call ids start with the time): a batch touches only the right-most path of the
    // table and of each index, a few dozen pages, which stay cached; the interior pages of the random-order
    // run index fit too. 1, 4 and 32 MB inserted equally fast (measured), but a large cache fills with
    // freshly written leaf pages that are never read again: 70k rows grew RSS by 30 MB at 32 MB, 12 MB at 2.
    // Reports that scan the ledger read through the OS page cache instead.
    this.db.pragma('cache_size = -2000');
    if (opts.batch) this.db.pragma(`mmap_size = ${BATCH_MMAP_BYTES}`);
  }

  migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = this.db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as Row | undefined;
    let version = row ? Number(row['value']) : 0;
    for (; version < MIGRATIONS.length; version++) {
      const sql = MIGRATIONS[version]!;
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db
          .prepare("INSERT INTO meta(name, value) VALUES ('schema_version', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value")
          .run(String(version + 1));
      }).immediate();
    }
    // A batch goes straight into `calls` (INSERT OR IGNORE: a known id is skipped). When every row went
    // in (the usual case), the batch is summed per rollup key in JS and upserted once per key
    // (rollup-fold.ts). Otherwise the rows really inserted, exactly those with a rowid above the largest
    // one before the batch (a skipped row takes none), are folded by the migration's own SQL. Either way
    // in the same transaction: a repeated call id is neither stored nor counted twice.
    const placeholders = `(${CALL_COLUMNS.map(() => '?').join(', ')})`;
    const insert = (n: number): Database.Statement =>
      this.db.prepare(`INSERT OR IGNORE INTO calls (${CALL_COLUMNS.join(', ')}) VALUES ${Array<string>(n).fill(placeholders).join(', ')}`);
    const one = insert(1);
    // Many rows per statement: a quarter less time per row than one statement each (measured).
    const chunk = insert(ROWS_PER_INSERT);
    const lastRowid = this.db.prepare('SELECT coalesce(max(rowid), 0) AS r FROM calls').pluck();
    const newCalls = '(SELECT * FROM calls WHERE rowid > @after) AS new_calls';
    const folds = [...foldAllSql('sqlite', newCalls), foldSavingsSql('sqlite', newCalls)].map((sql) => this.db.prepare(sql));
    const inMemory = new RollupFold(this.db);
    const width = CALL_COLUMNS.length;
    // Every write transaction begins IMMEDIATE: a deferred one that reads first (here max(rowid)) and
    // then writes fails at once with SQLITE_BUSY when another connection (an import, a second
    // process) holds the write lock, without waiting out busy_timeout.
    this.insertMany = this.db.transaction((values: SqlValue[]) => {
      const after = lastRowid.get() as number;
      let inserted = 0;
      let i = 0;
      // Values spread as arguments, not passed as one array: better-sqlite3 reads an array element by
      // element through a generic property lookup, arguments directly (~0.7 us less a row, measured).
      for (const step = ROWS_PER_INSERT * width; i + step <= values.length; i += step) inserted += chunk.run(...values.slice(i, i + step)).changes;
      for (; i < values.length; i += width) inserted += one.run(...values.slice(i, i + width)).changes;
      if (inserted === 0 || this.opts.skipRollups) return inserted;
      if (inserted === values.length / width && inMemory.fold(values)) return inserted;
      for (const fold of folds) fold.run({ after });
      return inserted;
    }).immediate;
  }

  /** Analytics over the rollups (or the ledger, for run grouping): see analytics/query-sql.ts. */
  analytics(q: AnalyticsQuery): AnalyticsRow[] {
    return runAnalytics(q, 'sqlite', (sql, params) => this.db.prepare(sql).all(...(params as SqlValue[])) as Record<string, unknown>[]);
  }

  getMeta(name: string): string | null {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as Row | undefined;
    return row ? String(row['value']) : null;
  }

  setMetaIfAbsent(name: string, value: string): string {
    this.db.prepare('INSERT OR IGNORE INTO meta(name, value) VALUES (?, ?)').run(name, value);
    return this.getMeta(name) ?? value;
  }

  private bumpKeysVersion(): void {
    this.db
      .prepare("INSERT INTO meta(name, value) VALUES ('keys_version', '1') ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
      .run();
  }

  insertKey(k: KeyRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO keys (id, hash, name, team, user, project, models, unlimited, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(k.id, k.hash, k.name, k.team, k.user, k.project, k.models ? JSON.stringify(k.models) : null, k.unlimited ? 1 : 0, k.createdAt, k.revokedAt);
      this.bumpKeysVersion();
    }).immediate();
  }

  getKey(id: string): KeyRecord | null {
    const row = this.db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as Row | undefined;
    return row ? toKey(row) : null;
  }

  listKeys(): KeyRecord[] {
    return (this.db.prepare('SELECT * FROM keys ORDER BY created_at').all() as Row[]).map(toKey);
  }

  revokeKey(id: string, at: number): boolean {
    return this.db.transaction(() => {
      const res = this.db.prepare('UPDATE keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?').run(at, id);
      if (res.changes > 0) this.bumpKeysVersion();
      return res.changes > 0;
    }).immediate();
  }

  keysVersion(): number {
    return Number(this.getMeta('keys_version') ?? 0);
  }

  private bumpVersion(name: string): void {
    this.db
      .prepare("INSERT INTO meta(name, value) VALUES (?, '1') ON CONFLICT(name) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
      .run(name);
  }

  upsertBudget(b: BudgetRecord): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO budgets (id, scope, period, limit_nanos, limit_tokens, alert_at, downgrade, clamp, source, created_at, pace)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET limit_nanos = excluded.limit_nanos, limit_tokens = excluded.limit_tokens,
             alert_at = excluded.alert_at, downgrade = excluded.downgrade, clamp = excluded.clamp, source = excluded.source, pace = excluded.pace`,
        )
        .run(b.id, b.scope, b.period, b.limitNanos, b.limitTokens, JSON.stringify(b.alertAt), b.downgrade ? JSON.stringify(b.downgrade) : null, b.clamp ? 1 : 0, b.source, b.createdAt, b.pace ? JSON.stringify(b.pace) : null);
      this.bumpVersion('budgets_version');
    }).immediate();
  }

  listBudgets(): BudgetRecord[] {
    return (this.db.prepare('SELECT * FROM budgets ORDER BY id').all() as Row[]).map(toBudget);
  }

  deleteBudget(id: string): boolean {
    return this.db.transaction(() => {
      const res = this.db.prepare('DELETE FROM budgets WHERE id = ?').run(id);
      if (res.changes > 0) this.bumpVersion('budgets_version');
      return res.changes > 0;
    }).immediate();
  }

  budgetsVersion(): number {
    return Number(this.getMeta('budgets_version') ?? 0);
  }

  sumCalls(q: Parameters<Store['sumCalls']>[0]): { costNanos: number; tokens: number } {
    return sumCalls(this.db, q);
  }

  /** Call values, row after row in CALL_COLUMNS order (see call-columns.ts); returns how many rows went in (a known id is skipped). */
  appendCallValues(values: SqlValue[]): number {
    return this.insertMany(values);
  }

  /** Call rows as the gateway packs them (call-pack.ts); returns how many rows went in. */
  appendCallPack(pack: CallPack): number {
    return this.insertMany(unpackCallValues(pack));
  }

  spend(q: SpendQuery): SpendRow[] {
    const { where, params } = filters(q);
    const col = GROUP_COLUMN[q.groupBy];
    const sql = `SELECT ${col} AS grp, count(*) AS calls, sum(input_tokens) AS input, sum(cached_input_tokens) AS cached,
      sum(cache_write_5m_tokens + cache_write_1h_tokens) AS cache_write, sum(output_tokens) AS output,
      sum(reasoning_tokens) AS reasoning, sum(cost_nanos) AS cost
      FROM calls ${where} GROUP BY grp ORDER BY cost DESC, grp`;
    return (this.db.prepare(sql).all(...params) as Row[]).map((r) => ({
      group: r['grp'] === null ? null : String(r['grp']),
      calls: Number(r['calls']),
      inputTokens: Number(r['input']),
      cachedInputTokens: Number(r['cached']),
      cacheWriteTokens: Number(r['cache_write']),
      outputTokens: Number(r['output']),
      reasoningTokens: Number(r['reasoning']),
      costNanos: Number(r['cost']),
    }));
  }

  savings(q: SpendQuery): SavingsRow[] {
    const { where, params } = filters(q);
    const col = GROUP_COLUMN[q.groupBy];
    if (q.groupBy !== 'run') {
      const r = savingsReportSql('sqlite', q, col);
      return (this.db.prepare(r.sql).all(...r.params) as Row[]).map(toSavings);
    }
    const reason = "CASE WHEN cache_hit = 1 THEN 'cache' WHEN route LIKE 'downgrade:%' THEN 'downgrade' ELSE 'routing' END";
    const sql = `SELECT ${col} AS grp, ${reason} AS reason, count(*) AS calls, sum(cost_nanos) AS cost, sum(saved_nanos) AS saved
      FROM calls ${where ? `${where} AND` : 'WHERE'} route IS NOT NULL AND attempt_of IS NULL
      GROUP BY grp, reason ORDER BY saved DESC, grp, reason`;
    return (this.db.prepare(sql).all(...params) as Row[]).map(toSavings);
  }

  calls(q: CallQuery): CallRow[] {
    const { where, params } = filters(q);
    if (q.after !== undefined) {
      // Keyset paging, oldest first: every page is an index range scan, however deep into the ledger.
      const page = q.after === 'start' ? '' : `${where ? ' AND' : 'WHERE'} (started_at > ? OR (started_at = ? AND id > ?))`;
      const more: SqlValue[] = q.after === 'start' ? [] : [q.after.startedAt, q.after.startedAt, q.after.id];
      const sql = `SELECT * FROM calls ${where}${page} ORDER BY started_at, id LIMIT ?`;
      return (this.db.prepare(sql).all(...params, ...more, q.limit) as Row[]).map(toCall);
    }
    const sql = `SELECT * FROM calls ${where} ORDER BY started_at DESC, id LIMIT ?`;
    return (this.db.prepare(sql).all(...params, q.limit) as Row[]).map(toCall);
  }

  /** A keyset page of calls (scan-queries.ts), packed for the hand-off to the gateway thread (call-batch.ts: features parsed here). */
  scanCallBatch(q: CallScan): CallBatch {
    const { rows, layout, exactTexts } = scanCallValues(this.db, q);
    return packCalls(rows, layout, exactTexts);
  }

  callGroups(q: CallGroupQuery): CallGroupRow[] {
    return callGroups(this.db, q);
  }

  insertOutcome(o: OutcomeRecord): void {
    insertOutcome(this.db, o);
  }

  outcomes(q: OutcomeQuery): OutcomeRecord[] {
    return outcomes(this.db, q);
  }

  upsertProviderUsage(rows: ProviderUsageRow[]): void {
    upsertProviderUsage(this.db, rows);
  }

  providerUsage(q: ProviderUsageQuery): ProviderUsageRow[] {
    return providerUsage(this.db, q);
  }

  close(): void {
    this.db.close();
  }
}
