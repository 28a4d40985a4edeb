/**
 * Batches imported call rows into the ledger, waiting for each batch (so a fast reader never queues
 * more than one batch of rows in memory). `inserted` is measured, not assumed: rows whose id the
 * ledger already holds (an earlier import) are ignored by the store.
 */
import type { CallRow, Store } from '../storage/types.js';
import type { ImportSummary } from './summary.js';

const BATCH = 2_000;

export class LedgerWriter {
  private batch: CallRow[] = [];
  written = 0;

  constructor(private readonly store: Pick<Store, 'appendCalls'>) {}

  async add(row: CallRow): Promise<void> {
    this.batch.push(row);
    if (this.batch.length >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.written += rows.length;
    await this.store.appendCalls(rows);
  }
}

/** Rows in the ledger (one grouped scan). Taken before and after an import to count what was new. */
export async function ledgerRowCount(store: Pick<Store, 'spend'>): Promise<number> {
  const rows = await store.spend({ groupBy: 'provider' });
  return rows.reduce((n, r) => n + r.calls, 0);
}

/** Run an import into the ledger and fill in how many of the rows it wrote were new. */
export async function importIntoLedger(store: Store, run: (writer: LedgerWriter) => Promise<ImportSummary>): Promise<ImportSummary> {
  const before = await ledgerRowCount(store);
  const writer = new LedgerWriter(store);
  const summary = await run(writer);
  await writer.flush();
  summary.written = writer.written;
  summary.inserted = (await ledgerRowCount(store)) - before;
  return summary;
}
