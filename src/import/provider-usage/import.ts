/**
 * `tollgate import openai-usage|anthropic-usage FILE`: provider report pages into the provider_usage
 * table, page by page, replacing rows of buckets imported before (a re-fetched day has new totals).
 */
import type { ProviderUsageRow, Store } from '../../storage/types.js';
import { emptyLineStats } from '../line-reader.js';
import { countSkip, emptySummary, type ImportSummary } from '../summary.js';
import { anthropicRows } from './anthropic.js';
import { openaiRows, type ParsedResult } from './openai.js';
import { reportPages } from './read-pages.js';

export type ReportProvider = 'openai' | 'anthropic';

const PARSERS: Record<ReportProvider, (page: unknown, importedAt: number) => Generator<ParsedResult>> = { openai: openaiRows, anthropic: anthropicRows };

/** Every row of a report file, page by page (for reconcile, which reads a file without storing it). */
export async function* reportRows(provider: ReportProvider, path: string, summary: ImportSummary, importedAt = Date.now()): AsyncGenerator<ProviderUsageRow> {
  const stats = emptyLineStats();
  summary.files++;
  let n = 0;
  for await (const page of reportPages(path, stats)) {
    n++;
    const rows: ProviderUsageRow[] = [];
    try {
      for (const r of PARSERS[provider](page, importedAt)) {
        summary.records++;
        if ('skip' in r) countSkip(summary, r.skip);
        else rows.push(r.row);
      }
    } catch (err) {
      throw new Error(`${path}: page ${n}: ${(err as Error).message}`);
    }
    yield* rows;
  }
  summary.bytes += stats.bytes;
  summary.lines += stats.lines;
}

export async function importProviderReport(store: Store, provider: ReportProvider, path: string): Promise<ImportSummary> {
  const summary = emptySummary(`${provider}-usage`);
  const existing = new Set((await store.providerUsage({ provider })).map((r) => r.id));
  // The cost of each row this import wrote: a result repeated in the input replaces its row (the later
  // page is the newer figure), so it is counted once, at its last cost.
  const written = new Map<string, number>();
  // Keyed by id: one statement never holds an id twice (Postgres refuses to update a row twice in one).
  let batch = new Map<string, ProviderUsageRow>();
  const flush = async (): Promise<void> => {
    await store.upsertProviderUsage([...batch.values()]);
    batch = new Map();
  };
  for await (const row of reportRows(provider, path, summary)) {
    const cost = row.kind === 'cost' ? row.costNanos : 0;
    const before = written.get(row.id);
    if (before === undefined) {
      summary.written++;
      if (!existing.has(row.id)) summary.inserted++;
    } else {
      summary.repeated++;
      summary.costNanos -= before;
    }
    summary.costNanos += cost;
    written.set(row.id, cost);
    batch.delete(row.id);
    batch.set(row.id, row);
    if (batch.size >= 1000) await flush();
  }
  await flush();
  return summary;
}
