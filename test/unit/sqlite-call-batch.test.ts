// The SQLite worker's page packing (storage/sqlite/call-batch.ts): rows come back exactly as written.
import { describe, expect, it } from 'vitest';
import { callPage, packCalls, rowLayout, unpackCalls } from '../../src/storage/sqlite/call-batch.js';
import { CALL_COLUMNS, callValues, type SqlValue } from '../../src/storage/sqlite/call-columns.js';
import { SqliteDatabase } from '../../src/storage/sqlite/database.js';
import type { CallFeatures, CallRow } from '../../src/storage/types.js';

const T0 = Date.UTC(2026, 0, 5);

function call(over: Partial<CallRow>): CallRow {
  return {
    id: 'c1', startedAt: T0, firstByteAt: T0 + 300, endedAt: T0 + 1000, keyId: 'k1', team: 'eng', user: null, project: null,
    run: null, agent: null, parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'gpt',
    servedModel: 'gpt', inputTokens: 100, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 10,
    reasoningTokens: 0, costNanos: 123_456_789_012, estimated: false, status: 'ok', httpStatus: 200, errorCode: null,
    upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
    ...over,
  };
}

const features: CallFeatures = {
  bytes: 812, promptBound: 400, outputBound: 1024, choices: 2, tools: true, images: false, routeHeader: 'cheap', noCache: false,
  unlimited: true, upstreamStatus: 429,
  request: { sketch: [4_294_967_295, 7], words: 41, fresh: true },
  output: { sketch: [1, 2_147_483_648], words: 30, sample: [-5, 0, 2_147_483_647, -2_147_483_648], affirmation: true, toolKey: 'read_file:{}', toolNames: 'read_file' },
};

/** The rows as a raw SELECT returns them (booleans as 0/1), one value array a row. */
function selected(rows: CallRow[]): SqlValue[][] {
  const flat = callValues(rows);
  const out: SqlValue[][] = [];
  for (let i = 0; i < flat.length; i += CALL_COLUMNS.length) out.push(flat.slice(i, i + CALL_COLUMNS.length));
  return out;
}

describe('SQLite page packing', () => {
  it('gives back every column and every feature exactly, nulls included', () => {
    const rows = [
      call({ id: 'a', features }),
      call({ id: 'b', firstByteAt: null, user: 'u1', project: 'p', run: 'r1', agent: 'coder', parent: 'a', tags: 'x,y', stream: true, estimated: true, cacheHit: true, errorCode: 'rate_limited', route: 'cache', requestHash: 'h', attemptOf: 'a', savedNanos: 5 }),
      call({ id: 'c', features: { ...features, promptBound: null, outputBound: null, routeHeader: null, upstreamStatus: null, request: null, output: null } }),
      call({ id: 'd', features: { ...features, output: { ...features.output!, sample: [], toolKey: null, toolNames: null } } }),
    ];
    expect(unpackCalls(packCalls(selected(rows)))).toEqual(rows);
  });

  it('passes a features value of another shape through as it was stored', () => {
    const odd = { ...features, extra: 1 } as unknown as CallFeatures;
    const older = { bytes: 10, promptBound: null } as unknown as CallFeatures;
    const rows = [call({ id: 'a', features: odd }), call({ id: 'b', features: older }), call({ id: 'c', features })];
    const back = unpackCalls(packCalls(selected(rows)));
    expect(back).toEqual(rows);
    expect(Object.keys(back[0]!.features!)).toContain('extra');
  });

  it('reads stored features texts as JSON.parse does, scanned or not', () => {
    const canonical = JSON.stringify(features);
    const texts = [
      canonical,
      // Numbers the scan reads itself or by their literal: fractions, exponents, -0, beyond 15 digits.
      canonical.replace('"bytes":812', '"bytes":812.5').replace('"words":41', '"words":4.1e1').replace('[-5,0,', '[-0,1E-7,'),
      canonical.replace('"bytes":812', '"bytes":12345678901234567890'),
      // Strings with escapes and non-ASCII text.
      canonical.replace('"routeHeader":"cheap"', '"routeHeader":"ch\\"e\\u00e9p"').replace('"toolNames":"read_file"', '"toolNames":"lire_é"'),
      // Whitespace, another key order, a missing key: not the gateway's text, parsed.
      JSON.stringify(features, null, 1),
      JSON.stringify(Object.fromEntries(Object.entries(features).reverse())),
      canonical.replace(',"noCache":false', ''),
    ];
    const rows = texts.map((t, i): SqlValue[] => {
      const v = selected([call({ id: `r${i}` })])[0]!;
      v[CALL_COLUMNS.indexOf('features')] = t;
      return v;
    });
    const back = unpackCalls(packCalls(rows));
    back.forEach((r, i) => expect(r.features).toEqual(JSON.parse(texts[i]!)));
    expect(Object.is(back[1]!.features!.output!.sample[0], -0)).toBe(true);
  });

  it('keeps every sample of a page past the first size of the sample buffer, and none of a row whose scan failed', () => {
    // 3,000 rows of 24 samples: past the 65,536 the reused buffer starts with, so it grows mid-page; every
    // 7th row's text is not the scan's (whitespace), so its partly scanned samples are dropped and it is parsed.
    const rows = Array.from({ length: 3_000 }, (_, i) => {
      const sample = Array.from({ length: 24 }, (_, k) => ((i * 24 + k) * 2_654_435_761) % 4_294_967_296 - 2_147_483_648);
      return call({ id: `r${i}`, features: { ...features, output: { ...features.output!, sample } } });
    });
    const values = selected(rows);
    values.forEach((v, i) => {
      if (i % 7 === 3) v[CALL_COLUMNS.indexOf('features')] = JSON.stringify(rows[i]!.features, null, 1);
    });
    expect(unpackCalls(packCalls(values))).toEqual(rows);
    // The buffer is reused: the next page holds only its own samples.
    const next = packCalls(selected(rows.slice(0, 2)));
    expect(next.samples.length).toBe(48);
    expect(unpackCalls(next)).toEqual(rows.slice(0, 2));
  });

  it('builds the rows of a page as they are read, the same rows, and its last keyset position', () => {
    const rows = [call({ id: 'a', features }), call({ id: 'b', startedAt: T0 + 5, user: 'u1' })];
    const page = callPage(packCalls(selected(rows)));
    expect(page.length).toBe(2);
    expect([page.row(0), page.row(1)]).toEqual(rows);
    expect(page.row(0)).not.toBe(page.row(0));
    expect(page.lastKey()).toEqual({ startedAt: T0 + 5, id: 'b' });
    expect(callPage(packCalls([])).lastKey()).toBeNull();
  });

  it('reads the columns a scan left out as NULL read back, wherever the others are', () => {
    const full = call({ id: 'a', firstByteAt: T0 + 1, stream: true, provider: 'p', httpStatus: 429, upstreamRequestId: 'u', cacheHit: true, savedNanos: 7, features });
    const left = new Set(['first_byte_at', 'stream', 'provider', 'http_status', 'upstream_request_id', 'cache_hit', 'saved_nanos']);
    // Another column order than CALL_COLUMNS, without the left-out columns.
    const columns = CALL_COLUMNS.filter((c) => !left.has(c)).reverse();
    const v = selected([full])[0]!;
    const row = columns.map((c) => v[CALL_COLUMNS.indexOf(c)]!);
    const nulled = selected([full])[0]!.map((x, i) => (left.has(CALL_COLUMNS[i]!) ? null : x));
    expect(unpackCalls(packCalls([row], rowLayout(columns)))).toEqual(unpackCalls(packCalls([nulled])));
    expect(unpackCalls(packCalls([row], rowLayout(columns)))[0]).toEqual({ ...full, firstByteAt: null, stream: false, provider: null, httpStatus: 0, upstreamRequestId: null, cacheHit: false, savedNanos: 0 });
  });

  it('shares one string per distinct value within a page', () => {
    const b = packCalls(selected([call({ id: 'a' }), call({ id: 'b' }), call({ id: 'c' })]));
    // ids a, b, c plus the shared key, team, endpoint, provider, model and status.
    expect(b.dict.length).toBe(3 + 6);
  });
});

describe('SQLite ledger scans with joined columns', () => {
  it('reads back every value exactly through SQLite, texts with separators, quotes and commas included', () => {
    const db = new SqliteDatabase(':memory:');
    db.migrate();
    const odd = "it's, \u001f odd,\u001fé'' NULL";
    const rows = [
      call({ id: 'a', features, user: 'u1', project: 'p', run: 'r1', agent: 'coder', parent: 'x', tags: 'a,b', route: 'rule:cheap' }),
      // A value holding the joining separator: that row's texts are read again in their exact form.
      call({ id: 'b', startedAt: T0 + 1, team: odd, user: odd, tags: "'", errorCode: 'rate_limited', requestedModel: null, servedModel: null }),
      // Numbers at the edges: negative, beyond 15 digits, zero; an empty NOT NULL text stays empty.
      call({ id: 'c', startedAt: T0 + 2, keyId: '', inputTokens: -3, costNanos: 123_456_789_012_345_680, outputTokens: 0, estimated: true, cacheHit: true }),
      // The same repeated texts as row a: copied within the page.
      call({ id: 'd', startedAt: T0 + 3, user: 'u1', project: 'p', agent: 'coder', tags: 'a,b', route: 'rule:cheap' }),
      // REALs (never written by the gateway) read back as the same doubles, infinities included.
      call({ id: 'e', startedAt: T0 + 4, inputTokens: 0.1 + 0.2, outputTokens: 1 / 3, cachedInputTokens: 1e20, reasoningTokens: Infinity, savedNanos: -Infinity }),
    ];
    db.appendCallValues(callValues(rows));
    const back = unpackCalls(db.scanCallBatch({ limit: 10, delivery: false }));
    const undelivered = (r: CallRow): CallRow => ({ ...r, firstByteAt: null, stream: false, provider: null, httpStatus: 0, upstreamRequestId: null, savedNanos: 0 });
    expect(back).toEqual(rows.map(undelivered));
    // With the delivery columns too.
    expect(unpackCalls(db.scanCallBatch({ limit: 10 }))).toEqual(rows);
    db.close();
  });

  it('reads an empty text in a nullable column as NULL', () => {
    const db = new SqliteDatabase(':memory:');
    db.migrate();
    db.appendCallValues(callValues([call({ id: 'a', user: '', tags: '' })]));
    expect(unpackCalls(db.scanCallBatch({ limit: 10 }))[0]).toMatchObject({ user: null, tags: null });
    db.close();
  });
});
