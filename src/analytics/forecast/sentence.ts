/** The sentence a forecast says, the same in the CLI, the admin API and alerts. */
import { formatUsd } from '../../pricing/money.js';
import type { BudgetRecord } from '../../storage/types.js';
import { dateOf, longDate } from './calendar.js';
import type { BudgetForecast } from './budget-forecast.js';

/** "$5,000" for round or large amounts, "$12.50" or "$0.000066" otherwise (a tiny amount never reads $0.00). */
export function usdText(x: number): string {
  return formatUsd(x, { wholeDollars: true });
}

const PERIOD_WORD: Record<BudgetRecord['period'], string> = { day: 'day', week: 'week', month: 'month', year: 'year', none: 'lifetime' };

export function forecastSentence(b: Pick<BudgetRecord, 'scope' | 'period' | 'limitNanos' | 'pace'>, tz: string, f: BudgetForecast): string {
  const what = `the ${PERIOD_WORD[b.period]} budget of ${b.scope} (${usdText(b.limitNanos / 1e9)})`;
  const resets = f.periodEnd === null ? '' : `; it resets on ${longDate(dateOf(tz, f.periodEnd))}`;
  if (f.spentUsd >= (b.limitNanos / 1e9) * (1 - 1e-9)) {
    return `${what[0]!.toUpperCase()}${what.slice(1)} is used up: ${usdText(f.spentUsd)} spent${resets}.`;
  }
  if (f.exhaustsAt !== null) return `At this rate ${what} runs out on ${longDate(dateOf(tz, f.exhaustsAt))}.`;
  if (f.periodEnd === null) return `At this rate ${what} does not run out within five years (${usdText(f.spentUsd)} spent so far).`;
  const paced = b.pace?.action === 'block' ? ', held there by pacing' : '';
  return `At this rate ${what} ends the period at ${usdText(f.projectedUsd ?? f.spentUsd)} (80% range ${usdText(f.lowUsd ?? 0)}–${usdText(f.highUsd ?? 0)}), within its limit${paced}${resets}.`;
}
