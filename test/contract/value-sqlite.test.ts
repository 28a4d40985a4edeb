// Waste, outcomes and ROI on SQLite (the store's worker is loaded from dist/: run `npm run build` first).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import type { MakeStore } from './store.contract.js';
import { describeCallGroups } from './call-groups.contract.js';
import { describeValueReports } from './value-reports.contract.js';

const make: MakeStore = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-value-'));
  return { store: new SqliteStore(join(dir, 'ledger.db')), cleanup: () => rm(dir, { recursive: true, force: true }) };
};

describeValueReports('sqlite', make);
describeCallGroups('sqlite', make);
