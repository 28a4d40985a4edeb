/**
 * Money in Tollgate is an integer number of nano-dollars (1e-9 USD). A call's cost is computed once,
 * rounded once, and from then on only integers are added. At 2^53 nano-dollars a JS number holds
 * about $9 million exactly; SQL sums run in 64-bit integers.
 */
export type NanoUsd = number;

export const NANOS_PER_USD = 1_000_000_000;

export function usdToNanos(usd: number): NanoUsd {
  return Math.round(usd * NANOS_PER_USD);
}

/** For display and JSON APIs only; never add the results of this function. */
export function nanosToUsd(nanos: NanoUsd | bigint): number {
  return Number(nanos) / NANOS_PER_USD;
}

/**
 * Dollars for people to read (alerts, sentences, the dashboard): "$1,234.50" from $1 up; below $1 two
 * significant digits and at least two decimals ("$0.12", "$0.0004", "$0.000066"), so a non-zero
 * amount never reads as $0.00. `wholeDollars` drops the cents of whole amounts and of amounts from $100
 * up ("$5,000"), for sentences that name a limit.
 */
export function formatUsd(usd: number, opts: { wholeDollars?: boolean } = {}): string {
  if (!Number.isFinite(usd)) return '–';
  const abs = Math.abs(usd);
  const sign = usd < 0 ? '-$' : '$';
  if (opts.wholeDollars && (Number.isInteger(usd) || abs >= 100)) return sign + Math.round(abs).toLocaleString('en-US');
  if (abs === 0 || abs >= 0.995) return sign + abs.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Two significant digits: 0.000066 has its first at the 5th decimal, so 6 decimals; 12 at most (below a nano-dollar).
  const decimals = Math.min(12, Math.max(2, 1 - Math.floor(Math.log10(abs))));
  return sign + abs.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1');
}
