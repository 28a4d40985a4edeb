/** What an import read, wrote and skipped, and why: printed by the CLI, returned by every importer. */
export interface ImportSummary {
  source: string;
  files: number;
  bytes: number;
  lines: number;
  /** Records that carried usage (transcript lines with usage, report results, CSV rows). */
  records: number;
  /** Rows handed to the store (one per call or per report result), each id once. */
  written: number;
  /** Of those, rows the store did not have yet; the rest were there from an earlier import. */
  inserted: number;
  /**
   * Records whose row id this import had already written (the same call or report result twice in the
   * input): not counted as written, nor their cost. A call's first row is kept; a report result's last.
   */
  repeated: number;
  /** Records not imported, by reason. */
  skipped: Record<string, number>;
  /** Calls imported at zero cost because no price is known, by model. */
  unpriced: Record<string, number>;
  costNanos: number;
  /**
   * Of costNanos, the cost of the rows new to the ledger, where the store's answers tell it (each batch
   * went in whole or not at all); null when a batch went in in part. Absent for imports that do not
   * write call rows.
   */
  newCostNanos?: number | null;
}

export function emptySummary(source: string): ImportSummary {
  return { source, files: 0, bytes: 0, lines: 0, records: 0, written: 0, inserted: 0, repeated: 0, skipped: {}, unpriced: {}, costNanos: 0 };
}

export function countSkip(s: ImportSummary, reason: string, n = 1): void {
  s.skipped[reason] = (s.skipped[reason] ?? 0) + n;
}

/** A call row the writer took (not a repeat): its cost, and its model when no price is known for it (null: priced). */
export function countWritten(s: ImportSummary, costNanos: number, unpricedModel: string | null): void {
  s.costNanos += costNanos;
  if (unpricedModel !== null) s.unpriced[unpricedModel] = (s.unpriced[unpricedModel] ?? 0) + 1;
}

/** A readable multi-line summary for the terminal. */
export function formatSummary(s: ImportSummary): string {
  const out = [
    `${s.source}: read ${s.files} file(s), ${s.lines} line(s), ${(s.bytes / 1e6).toFixed(1)} MB; ${s.records} record(s) with usage`,
    `  written ${s.written} row(s): ${s.inserted} new, ${s.written - s.inserted} already in the store${s.repeated ? `; ${s.repeated} record(s) repeated a row of this import (written once)` : ''}`,
    costLine(s),
  ];
  const skips = Object.entries(s.skipped).filter(([, n]) => n > 0);
  if (skips.length) out.push(`  not imported: ${skips.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  const unpriced = Object.entries(s.unpriced);
  if (unpriced.length) out.push(`  unpriced (imported at $0; add a price under models:): ${unpriced.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  return out.join('\n');
}

const usd = (nanos: number): string => `$${(nanos / 1e9).toFixed(6)}`;

/** The cost line: when some rows were in the store already, what was new is told apart (those keep the cost they were first written with). */
function costLine(s: ImportSummary): string {
  const line = `  cost of the rows written: ${usd(s.costNanos)}`;
  if (s.newCostNanos === undefined || s.inserted === s.written) return line;
  const kept = 'rows already in the store keep the cost they were first written with';
  if (s.newCostNanos === null) return `${line} at current prices, ${s.inserted} of the rows new (${kept})`;
  return `${line} at current prices, of it new to the ledger: ${usd(s.newCostNanos)} (${kept})`;
}
