/** Ledger rows as a ledger from before the last columns were added holds them, for writing an older schema directly. */
import { CALL_COLUMNS, callValues, type SqlValue } from '../../src/storage/sqlite/call-columns.js';
import type { CallRow } from '../../src/storage/types.js';

/** The columns added since (appended last in CALL_COLUMNS): the web searches and the service tier. */
const LATER = new Set<string>(['web_searches', 'service_tier']);

/** The older columns, and each row's values for them. */
export function legacyCallValues(rows: readonly CallRow[]): { columns: string[]; rows: SqlValue[][] } {
  const columns = CALL_COLUMNS.filter((c) => !LATER.has(c));
  const values = callValues(rows);
  const out: SqlValue[][] = [];
  for (let i = 0; i < values.length; i += CALL_COLUMNS.length) out.push(values.slice(i, i + columns.length));
  return { columns, rows: out };
}

/** A plain answered call, overridden per row. */
export function sampleCall(over: Partial<CallRow> & { id: string; startedAt: number }): CallRow {
  return {
    firstByteAt: null, endedAt: over.startedAt + 500, keyId: 'k1', team: 't', user: null, project: null, run: null, agent: null, parent: null,
    tags: null, endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'm', servedModel: 'm', inputTokens: 10, cachedInputTokens: 0,
    cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 5, reasoningTokens: 0, costNanos: 100, estimated: false, status: 'ok', httpStatus: 200,
    errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0,
    serviceTier: null, features: null, ...over,
  };
}
