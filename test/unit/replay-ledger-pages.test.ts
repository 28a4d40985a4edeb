// Replay's ledger paging over a store without scanCallPage (scanCalls arrays) and one with it.
import { describe, expect, it } from 'vitest';
import { ledgerPages } from '../../src/analytics/replay/ledger.js';
import { callPage, packCalls } from '../../src/storage/sqlite/call-batch.js';
import { CALL_COLUMNS, callValues, type SqlValue } from '../../src/storage/sqlite/call-columns.js';
import type { CallRow, CallScan, Store } from '../../src/storage/types.js';

const T0 = Date.UTC(2026, 0, 5);
const rows: CallRow[] = Array.from({ length: 7 }, (_, i) => ({
  id: `c${i}`, startedAt: T0 + Math.floor(i / 2) * 1000, firstByteAt: null, endedAt: T0 + 5000, keyId: 'k', team: 't', user: null, project: null,
  run: null, agent: null, parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'p', requestedModel: 'm', servedModel: 'm',
  inputTokens: i, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 1, reasoningTokens: 0, costNanos: 10,
  estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false,
  savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
}));

/** The keyset page a store answers (startedAt, id order, strictly after the cursor). */
function page(q: CallScan): CallRow[] {
  const after = q.after;
  return rows.filter((r) => !after || r.startedAt > after.startedAt || (r.startedAt === after.startedAt && r.id > after.id)).slice(0, q.limit);
}

async function read(store: Store): Promise<CallRow[]> {
  const out: CallRow[] = [];
  for await (const p of ledgerPages(store, { pageSize: 3 })) for (let i = 0; i < p.length; i++) out.push(p.row(i));
  return out;
}

describe('ledger pages', () => {
  it('pages through scanCalls arrays when the store has no scanCallPage', async () => {
    const store = { scanCalls: (q: CallScan) => Promise.resolve(page(q)) } as unknown as Store;
    expect(await read(store)).toEqual(rows);
  });

  it('pages through scanCallPage when the store has it, by the pages\' last keys', async () => {
    const asSelected = (rs: CallRow[]): SqlValue[][] => {
      const flat = callValues(rs);
      return rs.map((_, i) => flat.slice(i * CALL_COLUMNS.length, (i + 1) * CALL_COLUMNS.length));
    };
    const store = {
      scanCalls: () => Promise.reject(new Error('not used')),
      scanCallPage: (q: CallScan) => Promise.resolve(callPage(packCalls(asSelected(page(q))))),
    } as unknown as Store;
    expect(await read(store)).toEqual(rows);
  });
});
