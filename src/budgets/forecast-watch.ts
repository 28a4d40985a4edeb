/**
 * Alerts on forecasts, not only on thresholds: every `everyMs` (and on demand) each budget is
 * forecast, and one whose projected exhaustion falls before its period ends gets a webhook alert, at
 * most once per budget, period and day for all instances (a claim in the counter store). The timer is
 * unref'd and stopped on close; the clock is injected.
 */
import type { Logger } from 'pino';
import { forecastBudgets, type BudgetForecastResult } from '../analytics/forecast/budget-forecasts.js';
import { dateOf } from '../analytics/forecast/calendar.js';
import type { SpendHistory } from '../analytics/spend-history.js';
import { periodWindow } from '../policy/period.js';
import type { BudgetRecord, Store } from '../storage/types.js';
import type { AlertSender } from './alerts.js';
import type { BudgetDirectory } from './budget-directory.js';

export interface ForecastWatchOptions {
  budgets: BudgetDirectory;
  store: Store;
  history: SpendHistory;
  alerts: AlertSender;
  /** Set-once flag shared by all instances (Limiter.claim). */
  claim: (key: string, ttlSeconds: number) => Promise<boolean>;
  timezone: string;
  now: () => number;
  /** 0 disables the timer (evaluate() still works). */
  everyMs: number;
  log: Logger;
}

export class ForecastWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly o: ForecastWatchOptions) {}

  get history(): SpendHistory {
    return this.o.history;
  }

  start(): void {
    if (this.o.everyMs <= 0) return;
    this.timer = setInterval(() => {
      this.evaluate().catch((err: unknown) => this.o.log.warn({ err }, 'forecast alerts failed'));
    }, this.o.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Forecasts of these budgets (all by default), as of the injected clock. */
  forecasts(budgets: readonly BudgetRecord[] = this.o.budgets.list()): Promise<BudgetForecastResult[]> {
    return forecastBudgets({ budgets, history: this.o.history, store: this.o.store, timezone: this.o.timezone, now: this.o.now() });
  }

  /** Forecast every budget and alert those projected to run out before their period ends; returns alerts sent. */
  evaluate(): Promise<number> {
    // One evaluation at a time: a slow ledger must not pile up timer runs.
    this.running ??= this.check().finally(() => (this.running = undefined));
    return this.running;
  }

  private async check(): Promise<number> {
    const now = this.o.now();
    let sent = 0;
    for (const r of await this.forecasts()) {
      const f = r.forecast;
      const limitUsd = r.budget.limitNanos / 1e9;
      if (f.exhaustsAt === null || f.periodEnd === null || f.exhaustsAt >= f.periodEnd || f.spentUsd >= limitUsd * (1 - 1e-9)) continue;
      const today = dateOf(this.o.timezone, now);
      const window = periodWindow(r.budget.period, this.o.timezone, now);
      if (!(await this.o.claim(`forecast:${r.budget.id}:${window.key}:${today}`, 2 * 86_400))) continue;
      this.o.alerts.sendForecast({
        budget: { id: r.budget.id, scope: r.budget.scope, period: r.budget.period },
        sentence: f.sentence,
        limit_usd: limitUsd,
        spent_usd: r.view.spent_usd,
        projected_usd: f.projectedUsd,
        exhausts_at: r.view.exhausts_at!,
        period_end: r.view.period_end,
        date: today,
      });
      sent++;
    }
    return sent;
  }
}
