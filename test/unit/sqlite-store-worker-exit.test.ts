import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-store-exit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore whose worker exited', () => {
  it('refuses later calls at once instead of leaving them pending forever', async () => {
    const store = new SqliteStore(join(dir, 'ledger.db'));
    await store.migrate();
    const worker = (store as unknown as { writer: { worker: Worker } }).writer.worker;
    await worker.terminate();
    const settled = await Promise.race([
      store.getMeta('x').then(() => 'resolved', () => 'rejected'),
      new Promise((resolve) => setTimeout(() => resolve('pending'), 1000)),
    ]);
    expect(settled).toBe('rejected');
    await store.close().catch(() => undefined);
  });
});
