/** The ledger's calls in a window, page by page, oldest first (keyset paging: each page an index range scan). */
import type { CallRow, Store } from '../../storage/types.js';

export async function* ledgerPages(store: Store, q: { from?: number; to?: number; pageSize?: number }): AsyncGenerator<CallRow[]> {
  const limit = q.pageSize ?? 5_000;
  let after: { startedAt: number; id: string } | 'start' = 'start';
  for (;;) {
    const page = await store.calls({ ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}), after, limit });
    if (page.length === 0) return;
    yield page;
    if (page.length < limit) return;
    const last = page[page.length - 1]!;
    after = { startedAt: last.startedAt, id: last.id };
  }
}
