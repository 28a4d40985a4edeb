// The SQLite worker reading a keyset scan's next page before it is asked for (storage/sqlite/scan-ahead.ts).
import { describe, expect, it } from 'vitest';
import { packCalls, unpackCalls, type CallBatch } from '../../src/storage/sqlite/call-batch.js';
import { CALL_COLUMNS, callValues, type SqlValue } from '../../src/storage/sqlite/call-columns.js';
import { ScanAhead } from '../../src/storage/sqlite/scan-ahead.js';
import type { CallRow, CallScan } from '../../src/storage/types.js';

const T0 = Date.UTC(2026, 0, 5);
const row = (i: number): CallRow => ({
  id: `c${i}`, startedAt: T0 + Math.floor(i / 2) * 1000, firstByteAt: null, endedAt: T0 + 5000, keyId: 'k', team: 't', user: null, project: null,
  run: null, agent: null, parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'p', requestedModel: 'm', servedModel: 'm',
  inputTokens: i, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 1, reasoningTokens: 0, costNanos: 10,
  estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false,
  savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
});

/** A ledger of `n` calls read as the worker reads it, counting the reads. */
function ledger(n: number): { rows: CallRow[]; reads: CallScan[]; read: (q: CallScan) => CallBatch } {
  const rows = Array.from({ length: n }, (_, i) => row(i));
  const reads: CallScan[] = [];
  const read = (q: CallScan): CallBatch => {
    reads.push(q);
    const a = q.after;
    const hit = rows.filter((r) => !a || r.startedAt > a.startedAt || (r.startedAt === a.startedAt && r.id > a.id)).slice(0, q.limit);
    const flat = callValues(hit);
    return packCalls(hit.map((_, i): SqlValue[] => flat.slice(i * CALL_COLUMNS.length, (i + 1) * CALL_COLUMNS.length)));
  };
  return { rows, reads, read };
}

describe('scan ahead', () => {
  it('answers each next page from the one read ahead, reading every page once', () => {
    const l = ledger(7);
    const ahead = new ScanAhead(l.read);
    const got: CallRow[] = [];
    let q: CallScan | null = { from: T0, limit: 3, delivery: false };
    while (q) {
      const b = ahead.take(q);
      ahead.readDue();
      got.push(...unpackCalls(b));
      const last = got[got.length - 1];
      // The reader builds its own next scan, its keys in its own order.
      q = b.n < 3 || !last ? null : { limit: 3, after: { id: last.id, startedAt: last.startedAt }, delivery: false, from: T0 };
    }
    expect(got).toEqual(l.rows);
    expect(l.reads).toHaveLength(3);
  });

  it('reads again when asked for another scan, or after another request dropped the page read ahead', () => {
    const l = ledger(7);
    const ahead = new ScanAhead(l.read);
    ahead.take({ limit: 3 });
    ahead.readDue();
    expect(l.reads).toHaveLength(2);
    // Another filter: not the page read ahead.
    ahead.take({ limit: 3, team: 'x', after: { startedAt: T0 + 1000, id: 'c2' } });
    expect(l.reads).toHaveLength(3);
    ahead.readDue();
    expect(l.reads).toHaveLength(4);
    // A write, say: the page read ahead (c6 on) is read again when asked for.
    ahead.drop();
    ahead.take({ limit: 3, team: 'x', after: { startedAt: T0 + 2000, id: 'c5' } });
    expect(l.reads).toHaveLength(5);
  });
});
