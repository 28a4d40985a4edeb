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
import { describeAnalytics } from './analytics.contract.js';
import { MIGRATIONS } from '../../src/storage/postgres/schema.js';
import { legacyCallValues, sampleCall } from './legacy-ledger.js';

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

describeAnalytics(
  'postgres',
  async () => {
    const { schema, drop } = await freshSchema();
    return { store: new PostgresStore({ url: URL, poolSize: 4, schema }), cleanup: drop };
  },
  async (rows) => {
    // A ledger at the schema before the rollups, written directly, then opened by the store.
    const { schema, drop } = await freshSchema();
    await legacyLedger(schema, MIGRATIONS.findIndex((m) => m.includes('rollup_hourly')), rows);
    return { store: new PostgresStore({ url: URL, poolSize: 4, schema }), cleanup: drop };
  },
);

/** A ledger at the schema of the first `before` migrations holding `rows`, written directly (columns of later migrations left out). */
async function legacyLedger(schema: string, before: number, rows: Parameters<typeof legacyCallValues>[0]): Promise<void> {
  const c = await admin.connect();
  try {
    await c.query(`SET search_path = ${schema}`);
    await c.query('CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS.slice(0, before)) await c.query(m);
    await c.query("INSERT INTO meta VALUES ('schema_version', $1)", [String(before)]);
    const legacy = legacyCallValues(rows);
    const cols = legacy.columns.map((col) => (col === 'user' ? '"user"' : col));
    const bool = new Set(['stream', 'estimated', 'cache_hit']);
    for (const values of legacy.rows) {
      const row = values.map((v, j) => (bool.has(legacy.columns[j]!) ? v === 1 : v));
      await c.query(`INSERT INTO calls (${cols.join(', ')}) VALUES (${cols.map((_, j) => `$${j + 1}`).join(', ')})`, row);
    }
    await c.query('RESET search_path');
  } finally {
    c.release();
  }
}

describe('PostgresStore migration', () => {
  it("adds each call's web searches and service tier to an existing ledger: its rows read 0 and null, new rows keep theirs", async () => {
    const { schema, drop } = await freshSchema();
    const old = sampleCall({ id: 'old', startedAt: 1_700_000_000_000 });
    await legacyLedger(schema, MIGRATIONS.length - 1, [old]);
    const store = new PostgresStore({ url: URL, poolSize: 2, schema });
    try {
      await store.migrate();
      const fresh = sampleCall({ id: 'new', startedAt: 1_700_000_001_000, webSearches: 3, serviceTier: 'priority' });
      expect(await store.appendCalls([fresh])).toBe(1);
      expect(await store.calls({ limit: 10 })).toEqual([fresh, old]);
      expect(await store.scanCalls({ limit: 10 })).toEqual([old, fresh]);
    } finally {
      await store.close();
      await drop();
    }
  });
});
