/**
 * Keyset scans read one page further ahead on the SQLite worker, for offline readers of the ledger
 * (replay, exports: a store opened with `batch`). Having answered a full page, the worker reads the
 * page after it straight away, while the reader works on the one it got and before it asks; the ask
 * then finds its page ready. The reader still asks for the next page as it starts a page, so two
 * pages are read ahead of the one it works on: a page that took the reader or the worker longer than
 * usual no longer stalls the other. Any other request drops the page read ahead (it may write, and
 * the page must be read after it), as does an ask for another scan.
 */
import type { CallScan } from '../types.js';
import { lastKeyOf, type CallBatch } from './call-batch.js';

export class ScanAhead {
  /** The scan to read next (the page after the one answered), or null. */
  private due: CallScan | null = null;
  private ready: { q: CallScan; batch: CallBatch } | null = null;

  constructor(private readonly read: (q: CallScan) => CallBatch) {}

  /** The page `q` asks for: the one read ahead if it is that page, else read now. */
  take(q: CallScan): CallBatch {
    const batch = this.ready !== null && sameScan(this.ready.q, q) ? this.ready.batch : this.read(q);
    this.ready = null;
    const last = batch.n === q.limit ? lastKeyOf(batch) : null;
    this.due = last === null ? null : { ...q, after: last };
    return batch;
  }

  /** Read the page after the one just answered (once the answer is sent). */
  readDue(): void {
    const q = this.due;
    this.due = null;
    if (q !== null) this.ready = { q, batch: this.read(q) };
  }

  drop(): void {
    this.due = null;
    this.ready = null;
  }
}

const SCAN_KEYS = ['from', 'to', 'team', 'errorCodes', 'wasteCandidates', 'limit', 'features', 'delivery'] as const;

/** Whether two scans ask for the same rows (the same filters from the same keyset position). */
function sameScan(a: CallScan, b: CallScan): boolean {
  if ((a.after === undefined) !== (b.after === undefined)) return false;
  if (a.after && b.after && (a.after.startedAt !== b.after.startedAt || a.after.id !== b.after.id)) return false;
  for (const k of SCAN_KEYS) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return false;
  return true;
}
