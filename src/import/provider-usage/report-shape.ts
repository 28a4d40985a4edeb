/** Reading report pages from `unknown`: small guards shared by the OpenAI and Anthropic parsers. */
import { isLedgerTime } from '../../analytics/spend-report.js';

export type Obj = Record<string, unknown>;

export const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** A non-negative integer token count (a bucket's, so up to 2^53); absent or null is 0; anything else throws (a malformed report). */
export function tokens(v: unknown, field: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new Error(`${field} is not a token count: ${JSON.stringify(v)}`);
}

/** A bucket's start or end in seconds since the epoch (OpenAI's reports) as epoch ms, within the dates JavaScript can hold. */
export function bucketTime(v: unknown, field: string): number {
  const ms = typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v)) ? Number(v) * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!isLedgerTime(ms)) throw new Error(`${field} is not a time from 1970 to 2100: ${JSON.stringify(v)}`);
  return ms;
}

/** An amount in nano-dollars that must be an exact integer (|amount| < 2^53, about $9 million a row). */
export function exactNanos(nanos: number, what: unknown): number {
  if (!Number.isSafeInteger(nanos)) throw new Error(`not an amount Tollgate can count exactly: ${JSON.stringify(what)}`);
  return nanos;
}

/** The buckets of a page: `{data: [{..., results: [...]}]}`. */
export function pageBuckets(page: unknown): Obj[] {
  const data = obj(page)?.['data'];
  if (!Array.isArray(data)) throw new Error('not a report page: no "data" array');
  return data.map((b) => {
    const bucket = obj(b);
    if (!bucket || !Array.isArray(bucket['results'])) throw new Error('not a report bucket: no "results" array');
    return bucket;
  });
}

/**
 * A decimal string in cents (Anthropic's cost report: "123.45" USD is $1.2345) as integer nano-dollars,
 * exactly: 1 cent = 10^7 nanos, so the digits are shifted, never multiplied as a float.
 */
export function centsToNanos(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) throw new Error(`not a decimal amount: ${JSON.stringify(amount)}`);
  const frac = (m[3] ?? '').padEnd(8, '0');
  // 7 fractional digits are whole nanos; the 8th rounds.
  const nanos = Number(m[2]) * 10_000_000 + Number(frac.slice(0, 7)) + (Number(frac[7]) >= 5 ? 1 : 0);
  return exactNanos(m[1] === '-' ? -nanos : nanos, amount);
}
