/** A throwaway SQLite ledger for import tests (the store's worker runs from dist/: `npm run build` first). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/storage/sqlite/index.js';
import type { CallRow } from '../../../src/storage/types.js';

export async function tempLedger(): Promise<{ store: SqliteStore; dir: string; all(): Promise<CallRow[]>; done(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-import-'));
  const store = new SqliteStore(join(dir, 'ledger.db'));
  await store.migrate();
  return {
    store,
    dir,
    all: async () => (await store.calls({ limit: 1_000_000 })).sort((a, b) => (a.id < b.id ? -1 : 1)),
    done: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
