// Reports read the SQLite ledger on a connection of their own: a long report does not hold back the
// ledger's writes (with one worker, a flush waited behind it, and a report over a long window stalled
// recording for tens of seconds).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import { generateLedger } from '../contract/analytics.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore reports', () => {
  it('run beside the ledger writes, and see every write that finished before they began', async () => {
    const store = new SqliteStore(join(dir, 'ledger.db'));
    try {
      await store.migrate();
      const ledger = generateLedger(40_000, 7);
      for (let i = 0; i < ledger.length; i += 5_000) await store.appendCalls(ledger.slice(i, i + 5_000));
      // Grouped by run: read from the calls themselves, every one of them (a report of tens of ms at least).
      const order: string[] = [];
      const report = store.analytics({ groupBy: ['run', 'model'], filters: {} }).then((rows) => {
        order.push('report');
        return rows;
      });
      const extra = generateLedger(10, 8).map((r) => ({ ...r, id: `${r.id}-late` }));
      await store.appendCalls(extra).then(() => order.push('write'));
      const rows = await report;
      expect(order).toEqual(['write', 'report']);
      expect(rows.reduce((n, r) => n + r.calls, 0)).toBeGreaterThanOrEqual(ledger.length);
      // A report that starts after a write finished sees it.
      const all = await store.analytics({ groupBy: ['team'], filters: {} });
      expect(all.reduce((n, r) => n + r.calls, 0)).toBe(ledger.length + extra.length);
    } finally {
      await store.close();
    }
  });
});
