/**
 * `npm run eval:forecast`: the forecast backtest over generated histories; writes results.json and
 * results.md beside this file and exits non-zero when the shipped method misses its target
 * (MAPE of the period-end projection <= 10% at a 14-day horizon on the stationary series).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METHODS } from '../../src/analytics/forecast/methods.js';
import { backtestSeries, FULL_PLAN, type Case } from './backtest.js';
import { markdown, summarise } from './report.js';
import { generate, SERIES_KINDS } from './series.js';

import { SHIPPED_METHOD as SHIPPED, TARGET_MAPE } from './target.js';
const SEEDS = Number(process.env['FORECAST_SEEDS'] ?? 10);

const started = Date.now();
const cases: Case[] = [];
for (const kind of SERIES_KINDS) {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const s = generate(kind, seed);
    for (const method of [...METHODS, 'auto' as const]) cases.push(...backtestSeries(s, method, FULL_PLAN));
  }
}
const rows = summarise(cases);
const target = rows.find((r) => r.kind === 'stationary' && r.method === SHIPPED && r.test === 'period_end' && r.period === 'month' && r.horizon === 14)!;
const pass = target.error <= TARGET_MAPE;
const targetText = `MAPE of the month-end projection at 14 days on the stationary series <= ${TARGET_MAPE}% (got ${target.error}%)`;
const here = (f: string): string => fileURLToPath(new URL(`../../../../eval/forecast/${f}`, import.meta.url));
writeFileSync(here('results.json'), `${JSON.stringify({ shipped: SHIPPED, target: { text: targetText, pass }, seeds: SEEDS, rows }, null, 1)}\n`);
writeFileSync(here('results.md'), markdown(rows, { seeds: SEEDS, target: targetText, pass, chosen: SHIPPED }));
console.log(`${cases.length} forecasts in ${((Date.now() - started) / 1000).toFixed(1)} s. ${targetText}: ${pass ? 'met' : 'MISSED'}.`);
for (const r of rows.filter((x) => x.method === SHIPPED && x.test === 'period_end' && x.horizon === 14)) console.log(`  ${r.kind}: ${r.error}% (band coverage ${r.band_coverage}%)`);
if (!pass) process.exitCode = 1;
