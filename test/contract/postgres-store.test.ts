/**
 * The Store contract on PostgreSQL (TOLLGATE_TEST_PG_URL, default: the local `test` database). Each
 * store gets a throwaway schema, so runs never see each other's rows and leave nothing behind.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/storage/postgres/index.js';
import { describeStore, type MakeStore } from './store.contract.js';
import { describeImportStore } from './import-store.contract.js';

const URL = process.env['TOLLGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: URL, max: 2 });
afterAll(() => admin.end());

async function freshSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `tg_test_${randomBytes(6).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  return { schema, drop: async () => void (await admin.query(`DROP SCHEMA ${schema} CASCADE`)) };
}

const makePostgres: MakeStore = async () => {
  const { schema, drop } = await freshSchema();
  return { store: new PostgresStore({ url: URL, poolSize: 4, schema }), cleanup: drop };
};
describeStore('postgres', makePostgres);
describeImportStore('postgres', makePostgres);

describe('PostgresStore', () => {
  it('lets several instances starting together migrate the same schema once', async () => {
    const { schema, drop } = await freshSchema();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url: URL, poolSize: 2, schema }));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const versions = await Promise.all(stores.map((s) => s.getMeta('schema_version')));
      expect(new Set(versions).size).toBe(1);
      await stores[0]!.insertKey({ id: 'k', hash: 'h', name: null, team: 't', user: null, project: null, models: null, unlimited: false, createdAt: 1, revokedAt: null });
      expect((await stores[3]!.getKey('k'))?.team).toBe('t');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await drop();
    }
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => new PostgresStore({ url: URL, poolSize: 1, schema: 'x; DROP TABLE calls' })).toThrow(/schema name/);
  });
});
