// The SQLite store runs its connection in a worker loaded from dist/: run `npm run build` first.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import { describeStore, type MakeStore } from './store.contract.js';
import { describeImportStore } from './import-store.contract.js';

const makeSqlite: MakeStore = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-store-'));
  return { store: new SqliteStore(join(dir, 'ledger.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
};
describeStore('sqlite', makeSqlite);
describeImportStore('sqlite', makeSqlite);
