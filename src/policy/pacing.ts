/**
 * Pacing: a budget's remaining amount spread over the rest of its period. Today's allowance is
 *   (limit - spent before today) / (days left, today included)
 * so whatever a day leaves unspent carries over to the days after it. Once today's spend reaches the
 * allowance the budget's pacing action applies: `alert` (once a day), `downgrade` (serve the pacing
 * model), or `block` (refuse a call whose worst case no longer fits today's allowance, the same
 * no-overshoot rule as the period limit). Pure: the gateway's limiter, forecasts and replay share it.
 */
import type { BudgetPace, BudgetRecord } from '../storage/types.js';
import type { PlannedLimit } from './limits.js';
import { periodWindow, type PeriodWindow } from './period.js';

export type PaceAction = BudgetPace['action'];
export const PACE_ACTIONS: readonly PaceAction[] = ['alert', 'downgrade', 'block'];

/** Local days from today's to the period's last, inclusive (1 on the last day). */
export function daysLeft(period: PeriodWindow, today: PeriodWindow): number {
  // Rounded: a day across a DST change is 23 or 25 hours long.
  return Math.max(1, Math.round((period.end - today.start) / 86_400_000));
}

/** Today's allowance in nano-dollars (floored, so the allowances never add up past the limit). */
export function dailyAllowance(p: { limit: number; spentBeforeToday: number; daysLeft: number }): number {
  return Math.floor(Math.max(0, p.limit - p.spentBeforeToday) / Math.max(1, p.daysLeft));
}

export type PacingDecision = 'admit' | PaceAction;

/**
 * What pacing does to a call, given today's counter before it and the call's worst case. `block`
 * refuses what would not fit; `alert` and `downgrade` apply once the day's spend (and calls in
 * flight) reached the allowance.
 */
export function pacingDecision(p: { action: PaceAction; allowance: number; today: { used: number; reserved: number }; amount: number }): PacingDecision {
  if (p.action === 'block') return p.today.used + p.today.reserved + p.amount > p.allowance ? 'block' : 'admit';
  return p.today.used + p.today.reserved >= p.allowance ? p.action : 'admit';
}

/** 'over' once today's spend reached today's allowance. */
export function pacingState(allowance: number, spentToday: number): 'ok' | 'over' {
  return spentToday >= allowance ? 'over' : 'ok';
}

/**
 * The limit today's counter is reserved against: the allowance when pacing blocks (so the counter
 * store refuses atomically), unbounded otherwise (the counter only measures the day's spend).
 */
export function paceCounterLimit(action: PaceAction, allowance: number): number {
  return action === 'block' ? allowance : Infinity;
}

/**
 * The day counter of a paced budget on one scope. Its limit is not known here (it needs the spend
 * before today, which lives in the counter store): the limiter fills `limit` and `pace.allowance`.
 */
export function plannedPace(input: { budget: BudgetRecord; scope: string; periodCounterKey: string; period: PeriodWindow; timezone: string; now: number; worstNanos: number }): PlannedLimit {
  const today = periodWindow('day', input.timezone, input.now);
  return {
    kind: 'budget_pace',
    scope: input.scope,
    budget: input.budget,
    window: today,
    key: `${input.periodCounterKey}:pace:${today.key}`,
    limit: Infinity,
    amount: input.worstNanos,
    // Two days: long enough for late commits of calls that started before midnight.
    ttlSeconds: Math.ceil((today.end - input.now) / 1000) + 86_400,
    pace: { periodCounterKey: input.periodCounterKey, daysLeft: daysLeft(input.period, today), allowance: null },
  };
}

/** Fill a planned day counter's allowance and limit from the spend before today. */
export function resolvePace(l: PlannedLimit, spentBeforeToday: number): void {
  if (!l.pace || !l.budget?.pace) return;
  const allowance = dailyAllowance({ limit: l.budget.limitNanos, spentBeforeToday, daysLeft: l.pace.daysLeft });
  l.pace.allowance = allowance;
  l.limit = paceCounterLimit(l.budget.pace.action, allowance);
}

/** The pacing downgrade that applies to a call, given the counters' states before it. */
export function pacingDowngrade(limits: readonly PlannedLimit[], before: readonly { used: number; reserved: number }[]): { model: string; budget: BudgetRecord } | null {
  for (let i = 0; i < limits.length; i++) {
    const l = limits[i]!;
    const pace = l.budget?.pace;
    if (l.kind !== 'budget_pace' || !pace || pace.action !== 'downgrade' || !pace.model || l.pace?.allowance == null) continue;
    if (pacingDecision({ action: pace.action, allowance: l.pace.allowance, today: before[i]!, amount: l.amount }) === 'downgrade') return { model: pace.model, budget: l.budget! };
  }
  return null;
}
