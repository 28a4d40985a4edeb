/**
 * A small version of `npm run eval:forecast`, so CI guards the forecast's accuracy target: the shipped
 * method's month-end projection at 14 days is within 10% (MAPE) on stationary series, and the
 * exhaustion date on them within two days on average.
 */
import { describe, expect, it } from 'vitest';
import { backtestSeries, type BacktestPlan } from '../../eval/forecast/backtest.js';
import { SHIPPED_METHOD, TARGET_MAPE } from '../../eval/forecast/target.js';
import { generate } from '../../eval/forecast/series.js';

const SMALL: BacktestPlan = {
  months: ['2026-03', '2026-07', '2026-11'],
  monthHorizons: [14],
  yearHorizons: [],
  monthExhaustDay: 22,
  monthExhaustHorizons: [14],
  yearExhaustDay: 250,
  yearExhaustHorizons: [],
};

describe('forecast backtest (small)', () => {
  it(`projects the month end within ${TARGET_MAPE}% at 14 days on stationary series`, () => {
    const cases = [1, 2, 3].flatMap((seed) => backtestSeries(generate('stationary', seed), SHIPPED_METHOD, SMALL));
    const pe = cases.filter((c) => c.test === 'period_end' && c.period === 'month' && c.horizon === 14);
    expect(pe.length).toBe(9);
    const mape = (100 * pe.reduce((s, c) => s + c.error, 0)) / pe.length;
    expect(mape).toBeLessThanOrEqual(TARGET_MAPE);
    const ex = cases.filter((c) => c.test === 'exhaustion');
    expect(ex.reduce((s, c) => s + c.error, 0) / ex.length).toBeLessThanOrEqual(2);
  });

  it('is not carried by the spend already known: the forecast remainder alone is within 15%', () => {
    // The period total includes what was spent before the origin, which is exact; the remainder is
    // all forecast (a forecast of zero would be 100% off here, and about 45% off on the total).
    const cases = [4, 5].flatMap((seed) => backtestSeries(generate('stationary', seed), SHIPPED_METHOD, SMALL));
    const pe = cases.filter((c) => c.test === 'period_end');
    expect((100 * pe.reduce((s, c) => s + c.remainderError!, 0)) / pe.length).toBeLessThanOrEqual(15);
  });
});
