// Waste, outcomes and ROI on PostgreSQL (TOLLGATE_TEST_PG_URL, default the local `test` database), one throwaway schema per store.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/index.js';
import type { MakeStore } from './store.contract.js';
import { describeCallGroups } from './call-groups.contract.js';
import { describeValueReports } from './value-reports.contract.js';

const URL = process.env['TOLLGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: URL, max: 2 });
afterAll(() => admin.end());

const make: MakeStore = async () => {
  const schema = `tg_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  return { store: new PostgresStore({ url: URL, poolSize: 4, schema }), cleanup: async () => void (await admin.query(`DROP SCHEMA ${schema} CASCADE`)) };
};

describeValueReports('postgres', make);
describeCallGroups('postgres', make);
