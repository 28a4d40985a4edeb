/**
 * A flush's call rows packed for the hand-off from the gateway thread to the SQLite worker: the number
 * columns in one Float64Array, each row's text columns (the features as their JSON) concatenated into
 * one string, with their lengths in an Int32Array. Cloning that costs the event loop a copy per row and
 * array, where a value array cost a tagged write per value (37 a row); the worker cuts the strings back
 * into the values it binds. One string a row, not one a flush: a string past V8's regular object size
 * (128 KB, a few hundred rows) lands in large-object space on both threads and is freed only by a full
 * collection, and the SQLite worker, which allocates little else, grew its heap by tens of MB between
 * them (measured). Imported by both sides of the hand-off; it must not import better-sqlite3.
 */
import type { CallRow } from '../types.js';
import { CALL_COLUMNS, type SqlValue } from './call-columns.js';

export interface CallPack {
  n: number;
  /** NUMBER_COLUMNS.length numbers a row (null as NaN). */
  nums: Float64Array;
  /** TEXT_COLUMNS.length lengths a row into `text` (null as -1). */
  lens: Int32Array;
  /** Each row's non-null text columns, concatenated. */
  text: string[];
}

/** CALL_COLUMNS positions of the text columns, in their slot order (the features JSON, then the service tier). */
export const TEXT_COLUMNS = [0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 25, 27, 28, 29, 30, 33, 34, 36] as const;
/** CALL_COLUMNS positions of the number columns (booleans as 0/1), in their slot order. */
export const NUMBER_COLUMNS = [1, 2, 3, 13, 17, 18, 19, 20, 21, 22, 23, 24, 26, 31, 32, 35] as const;
const WIDTH = CALL_COLUMNS.length;
const NT = TEXT_COLUMNS.length;
const NN = NUMBER_COLUMNS.length;

/** The rows packed (the gateway thread's side). */
export function packCallRows(rows: readonly CallRow[]): CallPack {
  const n = rows.length;
  const nums = new Float64Array(n * NN);
  const lens = new Int32Array(n * NT);
  const text = new Array<string>(n);
  // A row's pieces are joined, not appended with `+=`: join makes a flat string, where `+=` makes a
  // rope of ~20 parts that the hand-off's structured clone must flatten, which cost the gateway thread
  // 1-3 us a row against 0.1 (measured).
  const row: string[] = [];
  let t = 0;
  // `== null`: a row built without an optional column (undefined) stores NULL.
  const str = (v: string | null | undefined): void => {
    if (v == null) lens[t++] = -1;
    else {
      const s = typeof v === 'string' ? v : String(v);
      lens[t++] = s.length;
      row.push(s);
    }
  };
  const num = (at: number, v: number | null | undefined): void => {
    nums[at] = v == null ? NaN : v;
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    const m = i * NN;
    // TEXT_COLUMNS order.
    row.length = 0;
    str(r.id); str(r.keyId); str(r.team); str(r.user); str(r.project); str(r.run); str(r.agent); str(r.parent);
    str(r.tags); str(r.endpoint); str(r.provider); str(r.requestedModel); str(r.servedModel); str(r.status);
    str(r.errorCode); str(r.upstreamRequestId); str(r.attemptOf); str(r.route); str(r.requestHash);
    str(r.features ? JSON.stringify(r.features) : null); str(r.serviceTier);
    text[i] = row.join('');
    // NUMBER_COLUMNS order.
    num(m, r.startedAt); num(m + 1, r.firstByteAt); num(m + 2, r.endedAt); num(m + 3, r.stream ? 1 : 0);
    num(m + 4, r.inputTokens); num(m + 5, r.cachedInputTokens); num(m + 6, r.cacheWrite5mTokens); num(m + 7, r.cacheWrite1hTokens);
    num(m + 8, r.outputTokens); num(m + 9, r.reasoningTokens); num(m + 10, r.costNanos); num(m + 11, r.estimated ? 1 : 0);
    num(m + 12, r.httpStatus); num(m + 13, r.cacheHit ? 1 : 0); num(m + 14, r.savedNanos); num(m + 15, r.webSearches);
  }
  return { n, nums, lens, text };
}

/** Every row's values, row after row, in CALL_COLUMNS order, as callValues gives them (the worker's side). */
export function unpackCallValues(p: CallPack): SqlValue[] {
  const out = new Array<SqlValue>(p.n * WIDTH);
  const { nums, lens, text } = p;
  for (let r = 0; r < p.n; r++) {
    const o = r * WIDTH;
    const s = r * NT;
    const row = text[r]!;
    let pos = 0;
    for (let k = 0; k < NT; k++) {
      const len = lens[s + k]!;
      if (len < 0) out[o + TEXT_COLUMNS[k]!] = null;
      else {
        out[o + TEXT_COLUMNS[k]!] = row.slice(pos, pos + len);
        pos += len;
      }
    }
    const m = r * NN;
    for (let k = 0; k < NN; k++) {
      const v = nums[m + k]!;
      out[o + NUMBER_COLUMNS[k]!] = Number.isNaN(v) ? null : v;
    }
  }
  return out;
}
