/**
 * Batches imported call rows into the ledger, waiting for each batch (so a fast reader never queues
 * more than one batch of rows in memory). The counts are measured, not assumed: a row whose id this
 * import has written already (the same message read twice: a resumed Claude Code session copies its
 * history into a new file; a CSV with a repeated row) is not written again and counts as `repeated`;
 * `inserted` is what the store reports it inserted (an id it already held, from an earlier import, is
 * ignored), so rows the gateway records meanwhile do not count.
 */
import type { CallRow, Store } from '../storage/types.js';
import type { ImportSummary } from './summary.js';

const BATCH = 2_000;

export class LedgerWriter {
  private batch: CallRow[] = [];
  /** The ids written by this import: one short string per distinct row (tens of MB for a million). */
  private readonly seen = new Set<string>();
  written = 0;
  inserted = 0;
  repeated = 0;
  /** The cost of the rows new to the store; null once a batch went in only in part (which rows, the store does not say). */
  newCostNanos: number | null = 0;

  constructor(private readonly store: Pick<Store, 'appendCalls'>) {}

  /** False when the row repeats one this import has written: nothing is written, nothing to count. */
  async add(row: CallRow): Promise<boolean> {
    if (this.seen.has(row.id)) {
      this.repeated++;
      return false;
    }
    this.seen.add(row.id);
    this.batch.push(row);
    if (this.batch.length >= BATCH) await this.flush();
    return true;
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    this.written += rows.length;
    const inserted = await this.store.appendCalls(rows);
    this.inserted += inserted;
    if (inserted === rows.length && this.newCostNanos !== null) for (const r of rows) this.newCostNanos += r.costNanos;
    else if (inserted !== 0) this.newCostNanos = null;
  }
}

/** Run an import into the ledger and fill in how many rows it wrote, how many were new and how many repeated. */
export async function importIntoLedger(store: Pick<Store, 'appendCalls'>, run: (writer: LedgerWriter) => Promise<ImportSummary>): Promise<ImportSummary> {
  const writer = new LedgerWriter(store);
  const summary = await run(writer);
  await writer.flush();
  summary.written = writer.written;
  summary.inserted = writer.inserted;
  summary.repeated = writer.repeated;
  summary.newCostNanos = writer.newCostNanos;
  return summary;
}
