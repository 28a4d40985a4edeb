// The SQLite ledger's append path: the gateway's packing of a flush (storage/sqlite/call-pack.ts) and
// the worker's in-memory rollup fold (storage/sqlite/rollup-fold.ts), against the migration's SQL fold.
import { describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { packCallRows, unpackCallValues } from '../../src/storage/sqlite/call-pack.js';
import { callValues } from '../../src/storage/sqlite/call-columns.js';
import { DIMENSION_ROLLUPS, foldAllSql } from '../../src/storage/rollups.js';
import { foldSavingsSql } from '../../src/storage/savings-rollup.js';
import type { CallFeatures, CallRow } from '../../src/storage/types.js';
import { generateLedger } from '../contract/analytics.contract.js';

const features: CallFeatures = {
  bytes: 812, promptBound: 400, outputBound: null, choices: 2, tools: true, images: false, routeHeader: 'chéap ✓', noCache: false,
  unlimited: true, upstreamStatus: 429, request: { sketch: [4_294_967_295, 7], words: 41, fresh: true }, output: null,
};

const TABLES = [...DIMENSION_ROLLUPS.map((r) => r.table), 'rollup_tags', 'rollup_savings'];

/** Every rollup table's rows, in a stable order. */
function rollups(db: SqliteDatabase): Record<string, unknown[]> {
  const raw = (db as unknown as { db: import('better-sqlite3').Database }).db;
  return Object.fromEntries(TABLES.map((t) => [t, raw.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`).all()]));
}

/** The rollups rebuilt from the whole ledger by the migration's SQL. */
function rebuilt(db: SqliteDatabase): Record<string, unknown[]> {
  const raw = (db as unknown as { db: import('better-sqlite3').Database }).db;
  for (const t of TABLES) raw.exec(`DELETE FROM ${t}`);
  for (const sql of [...foldAllSql('sqlite', 'calls'), foldSavingsSql('sqlite', 'calls')]) raw.exec(sql);
  return rollups(db);
}

describe('SQLite ledger append', () => {
  it('packs a flush and unpacks exactly the values callValues gives, nulls, features and any text included', () => {
    const rows: CallRow[] = generateLedger(50).map((r, i) => ({
      ...r,
      features: i % 3 === 0 ? features : null,
      requestHash: i % 2 === 0 ? `h${i}` : null,
      tags: i % 5 === 0 ? 'ünï,çødé,🚀' : r.tags,
      errorCode: i % 7 === 0 ? '' : null,
      firstByteAt: i % 4 === 0 ? null : r.firstByteAt,
    }));
    expect(unpackCallValues(packCallRows(rows))).toEqual(callValues(rows));
    expect(unpackCallValues(packCallRows([]))).toEqual([]);
  });

  it('folds batches in memory into exactly the rollups the SQL fold builds, repeated ids and odd rows included', () => {
    const db = new SqliteDatabase(':memory:');
    db.migrate();
    const ledger = generateLedger(2000, 7);
    // All new (in-memory fold), then repeats (SQL fold of the rows really inserted), then a non-integer
    // time the in-memory fold leaves to SQL.
    for (let i = 0; i < 1500; i += 300) db.appendCallPack(packCallRows(ledger.slice(i, i + 300)));
    db.appendCallPack(packCallRows(ledger.slice(1200, 1800)));
    db.appendCallPack(packCallRows(ledger.slice(1800)));
    db.appendCallPack(packCallRows([{ ...ledger[0]!, id: 'odd', startedAt: ledger[0]!.startedAt + 0.5 }]));
    // A clock step back: negative latencies, alone in their hour, keep their (negative) maximum.
    const t = Date.UTC(2027, 0, 1);
    db.appendCallPack(packCallRows([{ ...ledger[1]!, id: 'neg1', startedAt: t, endedAt: t - 9 }, { ...ledger[1]!, id: 'neg2', startedAt: t, endedAt: t - 5 }]));
    const kept = rollups(db);
    expect(kept['rollup_hourly']!.length).toBeGreaterThan(100);
    expect(kept['rollup_savings']!.length).toBeGreaterThan(10);
    expect(kept).toEqual(rebuilt(db));
    db.close();
  });
});
