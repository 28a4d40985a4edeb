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
import { CALL_COLUMNS, callValues } from '../../src/storage/sqlite/call-columns.js';

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
    const insert = db.prepare(`INSERT INTO calls (${CALL_COLUMNS.join(', ')}) VALUES (${CALL_COLUMNS.map(() => '?').join(', ')})`);
    const values = callValues(rows);
    db.transaction(() => {
      for (let i = 0; i < values.length; i += CALL_COLUMNS.length) insert.run(values.slice(i, i + CALL_COLUMNS.length));
    })();
    db.close();
    return { store: new SqliteStore(path), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
);
