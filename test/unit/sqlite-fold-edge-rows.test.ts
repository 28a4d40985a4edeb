import { describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import { packCallRows, unpackCallValues } from '../../src/storage/sqlite/call-pack.js';
import { callValues } from '../../src/storage/sqlite/call-columns.js';
import { DIMENSION_ROLLUPS, foldAllSql } from '../../src/storage/rollups.js';
import { foldSavingsSql } from '../../src/storage/savings-rollup.js';
import type { CallRow } from '../../src/storage/types.js';
import { generateLedger } from '../contract/analytics.contract.js';

const TABLES = [...DIMENSION_ROLLUPS.map((r) => r.table), 'rollup_tags', 'rollup_savings'];
const raw = (db: SqliteDatabase) => (db as unknown as { db: import('better-sqlite3').Database }).db;
const rollups = (db: SqliteDatabase) => Object.fromEntries(TABLES.map((t) => [t, raw(db).prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9`).all()]));
function rebuilt(db: SqliteDatabase) {
  for (const t of TABLES) raw(db).exec(`DELETE FROM ${t}`);
  for (const sql of [...foldAllSql('sqlite', 'calls'), foldSavingsSql('sqlite', 'calls')]) raw(db).exec(sql);
  return rollups(db);
}
const pick = <T,>(i: number, xs: T[]): T => xs[i % xs.length]!;

describe('SQLite in-memory rollup fold, edge rows', () => {
  it('folds odd text, tags, routes, negative and large numbers exactly as the SQL fold over the whole ledger', () => {
    const db = new SqliteDatabase(':memory:');
    db.migrate();
    const base = generateLedger(400, 3);
    const rows: CallRow[] = base.map((r, i) => ({
      ...r,
      tags: pick(i, [null, '', ',', ',,a', 'a,', 'a,a', 'x\uD800', 'x\uDC00', 'é,e\u0301', 'A,a', ' a']),
      user: pick(i * 7, [null, '', 'u\uD800', 'u\uDBFF', 'ü', '0']),
      team: pick(i * 3, ['t', 'T', 't\u0000x', 't\u0000y']),
      route: pick(i * 5, [null, 'rule:x', 'DOWNGRADE:b', 'downgrade_b', 'dOwNgRaDe:c', 'downgrade:', '']),
      cacheHit: i % 4 === 0,
      attemptOf: i % 9 === 0 ? 'p' : null,
      inputTokens: pick(i, [0, -5, 2 ** 40, 1]),
      costNanos: pick(i * 11, [0, -1_000_000, 2 ** 50, 3]),
      savedNanos: pick(i * 13, [0, -7, 2 ** 49]),
      startedAt: pick(i, [r.startedAt, -1, -3_600_001, 0, 3_600_000]),
      endedAt: pick(i, [r.endedAt, 99, 100, 101, 250, -50]),
      status: pick(i, ['ok', 'error', 'aborted']) as CallRow['status'],
    }));
    expect(unpackCallValues(packCallRows(rows))).toEqual(callValues(rows).map((v) => (v === undefined ? null : v)));
    for (let i = 0; i < rows.length; i += 37) db.appendCallPack(packCallRows(rows.slice(i, i + 37)));
    const kept = rollups(db);
    expect(kept).toEqual(rebuilt(db));
    db.close();
  });
});
