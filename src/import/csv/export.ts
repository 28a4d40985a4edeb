/** `tollgate export csv`: the ledger as CSV (columns.ts), streamed a page at a time, oldest first. */
import type { Writable } from 'node:stream';
import type { Store } from '../../storage/types.js';
import { csvLine } from './csv-format.js';
import { CSV_COLUMNS, csvRow } from './columns.js';

const PAGE = 5_000;

export async function exportCsv(store: Pick<Store, 'scanCalls'>, out: Writable, range: { from?: number; to?: number }): Promise<number> {
  const write = (s: string): Promise<void> | void => {
    if (!out.write(s)) return new Promise((resolve) => out.once('drain', resolve));
  };
  await write(csvLine([...CSV_COLUMNS]));
  let n = 0;
  let after: { startedAt: number; id: string } | undefined;
  for (;;) {
    const page = await store.scanCalls({ ...range, limit: PAGE, ...(after ? { after } : {}) });
    let text = '';
    for (const r of page) text += csvRow(r);
    if (text) await write(text);
    n += page.length;
    if (page.length < PAGE) return n;
    const last = page[page.length - 1]!;
    after = { startedAt: last.startedAt, id: last.id };
  }
}
