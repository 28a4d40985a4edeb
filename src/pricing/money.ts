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
