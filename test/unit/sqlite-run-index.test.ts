// The ledger's run index holds only calls with a run, and the queries on a run still read through it.
import { describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { callValues } from '../../src/storage/sqlite/call-columns.js';
import { planAnalytics } from '../../src/analytics/query-sql.js';
import { generateLedger } from '../contract/analytics.contract.js';

describe('SQLite run index', () => {
  const store = new SqliteDatabase(':memory:');
  store.migrate();
  const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
  const plan = (sql: string, params: unknown[]): string =>
    (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join(' | ');

  it('indexes only calls with a run (the older full and run-only indexes are gone)', () => {
    const ledger = generateLedger(400, 3);
    store.appendCallValues(callValues(ledger));
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'calls' AND sql IS NOT NULL ORDER BY name").pluck().all() as string[]);
    expect(names).toEqual(['calls_run_started', 'calls_started_id', 'calls_team_started']);
    const withRun = ledger.filter((r) => r.run !== null).length;
    expect(withRun).toBeGreaterThan(0);
    expect(withRun).toBeLessThan(ledger.length);
    const entries = db.prepare('SELECT count(*) FROM calls INDEXED BY calls_run_started WHERE run IS NOT NULL').pluck().get();
    expect(entries).toBe(withRun);
  });

  it('answers run = ? (with or without a time range) from it', () => {
    expect(plan('SELECT sum(cost_nanos) FROM calls WHERE run = ?', ['r'])).toContain('USING INDEX calls_run_started (run=?)');
    const q = planAnalytics({ groupBy: ['run'], filters: { run: 'r' }, from: 0, to: 1e12, bucket: 'day' }, 'sqlite')!.build();
    expect(plan(q.sql, q.params)).toContain('USING INDEX calls_run_started (run=? AND started_at>? AND started_at<?)');
  });
});
