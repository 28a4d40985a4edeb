/** Spend-report latency percentiles come from the rollups' histogram: fine enough below 100 ms to tell a 20 ms gateway from a 100 ms one. */
import { describe, expect, it } from 'vitest';
import { histogramPercentile } from '../../src/analytics/run-query.js';
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS } from '../../src/storage/rollups.js';

function histogram(latencies: number[]): number[] {
  const hist = new Array<number>(LATENCY_BUCKETS).fill(0);
  for (const l of latencies) {
    const b = LATENCY_BOUNDS_MS.findIndex((bound) => l <= bound);
    hist[b === -1 ? LATENCY_BUCKETS - 1 : b]!++;
  }
  return hist;
}

describe('latency histogram', () => {
  it('has buckets of 5, 10, 25 and 50 ms below 100 ms, ascending', () => {
    expect(LATENCY_BOUNDS_MS.slice(0, 5)).toEqual([5, 10, 25, 50, 100]);
    expect([...LATENCY_BOUNDS_MS]).toEqual([...LATENCY_BOUNDS_MS].sort((a, b) => a - b));
  });

  it('calls of about 20 ms have a p50 of 25 ms (it read 100 ms with a first bucket of 100 ms)', () => {
    const lat = [12, 15, 18, 19, 20, 21, 22, 24, 30, 48];
    const hist = histogram(lat);
    expect(histogramPercentile(hist, 0.5, Math.max(...lat))).toBe(25);
    expect(histogramPercentile(hist, 0.95, Math.max(...lat))).toBe(48);
    expect(histogramPercentile(histogram([3, 4, 4]), 0.5, 4)).toBe(4);
  });
});
