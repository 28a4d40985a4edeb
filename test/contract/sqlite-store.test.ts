// The SQLite store runs its connection in a worker loaded from dist/: run `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import { describeStore, type MakeStore } from './store.contract.js';
import { describeImportStore } from './import-store.contract.js';
import Database from 'better-sqlite3';
import { describeAnalytics } from './analytics.contract.js';
import { MIGRATIONS } from '../../src/storage/sqlite/schema.js';
import { describe, expect, it } from 'vitest';
import { legacyCallValues, sampleCall } from './legacy-ledger.js';

const makeSqlite: MakeStore = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-store-'));
  return { store: new SqliteStore(join(dir, 'ledger.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
};
describeStore('sqlite', makeSqlite);
describeImportStore('sqlite', makeSqlite);

describeAnalytics(
  'sqlite',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-analytics-'));
    return { store: new SqliteStore(join(dir, 'ledger.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
  async (rows) => {
    // A ledger at the schema before the rollups, written directly, then opened by the store.
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-legacy-'));
    const path = join(dir, 'ledger.db');
    const db = new Database(path);
    const before = MIGRATIONS.findIndex((m) => m.includes('rollup_hourly'));
    db.exec('CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m);
    db.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(before));
    writeLegacyCalls(db, rows);
    db.close();
    return { store: new SqliteStore(path), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
);

function writeLegacyCalls(db: Database.Database, rows: Parameters<typeof legacyCallValues>[0]): void {
  const legacy = legacyCallValues(rows);
  const insert = db.prepare(`INSERT INTO calls (${legacy.columns.join(', ')}) VALUES (${legacy.columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const values of legacy.rows) insert.run(values);
  })();
}

describe('SqliteStore migration', () => {
  it("adds each call's web searches and service tier to an existing ledger: its rows read 0 and null, new rows keep theirs", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-legacy-'));
    const path = join(dir, 'ledger.db');
    const db = new Database(path);
    const before = MIGRATIONS.length - 1;
    db.exec('CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS.slice(0, before)) db.exec(m);
    db.prepare("INSERT INTO meta VALUES ('schema_version', ?)").run(String(before));
    const old = sampleCall({ id: 'old', startedAt: 1_700_000_000_000 });
    writeLegacyCalls(db, [old]);
    db.close();
    const store = new SqliteStore(path);
    try {
      await store.migrate();
      const fresh = sampleCall({ id: 'new', startedAt: 1_700_000_001_000, webSearches: 3, serviceTier: 'priority' });
      expect(await store.appendCalls([fresh])).toBe(1);
      expect(await store.calls({ limit: 10 })).toEqual([fresh, old]);
      expect(await store.scanCalls({ limit: 10 })).toEqual([old, fresh]);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
