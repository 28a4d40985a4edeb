/**
 * Feed a Reconciler: the provider's rows (from a report file or the provider_usage table) and the
 * ledger's calls for the days they cover, read a page at a time. Calls imported from elsewhere
 * (key ids "import:...", e.g. Claude Code history) are not gateway traffic and are left out.
 */
import type { CallRow, ProviderUsageRow, Store } from '../storage/types.js';
import { Reconciler, type ReconcileOptions, type ReconcileReport } from './reconcile.js';

const PAGE = 5_000;
const DAY = 86_400_000;

export async function reconcile(
  store: Pick<Store, 'scanCalls'>,
  reported: AsyncIterable<ProviderUsageRow> | Iterable<ProviderUsageRow>,
  ledgerProviders: readonly string[],
  opts: ReconcileOptions,
): Promise<ReconcileReport> {
  const r = new Reconciler(opts);
  let from = Infinity;
  let to = -Infinity;
  for await (const row of reported) {
    r.addReported(row);
    from = Math.min(from, row.bucketStart);
    to = Math.max(to, row.bucketEnd);
  }
  if (from === Infinity) return r.report();
  // Whole UTC days: findings are per day, so a day is compared whole even if a bucket was narrower.
  from = Math.floor(from / DAY) * DAY;
  to = Math.ceil(to / DAY) * DAY;
  const wanted = new Set(ledgerProviders);
  let after: { startedAt: number; id: string } | undefined;
  for (;;) {
    const page: CallRow[] = await store.scanCalls({ from, to, limit: PAGE, ...(after ? { after } : {}) });
    for (const c of page) {
      if (c.provider !== null && wanted.has(c.provider) && !c.keyId.startsWith('import:')) r.addCall(c);
    }
    if (page.length < PAGE) break;
    const last = page[page.length - 1]!;
    after = { startedAt: last.startedAt, id: last.id };
  }
  return r.report();
}
