/**
 * Budget alerts to a webhook as Slack-compatible JSON ({"text": ...} plus structured fields), sent
 * off the request path, retried with backoff. De-duplication (once per threshold and period) is the
 * caller's, through the counter store's claim().
 */
import type { Logger } from 'pino';
import { request } from 'undici';
import { formatUsd } from '../pricing/money.js';

export interface BudgetAlert {
  /** `team` only for a run's budget (run:*): a run is its team and its id, and two teams may use one id. */
  budget: { id: string; scope: string; period: string; team?: string };
  threshold_pct: number;
  spent_usd: number;
  limit_usd: number;
  period_key: string;
  resets_at: string | null;
}

/** Today's spend of a paced budget reached its allowance (`pace: alert`). */
export interface PacingAlert {
  budget: { id: string; scope: string; period: string };
  date: string;
  allowance_usd: number;
  spent_today_usd: number;
  resets_at: string;
}

/** A forecast says the budget runs out before its period ends. */
export interface ForecastAlert {
  budget: { id: string; scope: string; period: string };
  /** The forecast's own sentence, e.g. "At this rate the month budget of team:x ($300) runs out on ...". */
  sentence: string;
  limit_usd: number;
  spent_usd: number;
  projected_usd: number | null;
  exhausts_at: string;
  period_end: string | null;
  date: string;
}

export interface GuardAlert {
  run: string;
  /** The team whose run it is (runs are per team: two teams may send the same run id). */
  team: string;
  action: string;
  reason: string | null;
  evidence: { detector: string; score: number; summary: string }[];
}

export class AlertSender {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly opts: { url: string | undefined; retries: number; timeoutMs: number },
    private readonly log: Logger,
  ) {}

  send(alert: BudgetAlert): void {
    const text =
      `Tollgate: budget ${alert.budget.scope}${alert.budget.team !== undefined ? ` of team ${alert.budget.team}` : ''} (${alert.budget.period}) reached ${alert.threshold_pct}%: ` +
      `${formatUsd(alert.spent_usd)} of ${formatUsd(alert.limit_usd)}` +
      (alert.resets_at ? `, resets ${alert.resets_at}` : '');
    this.post({ text, kind: 'budget_threshold', ...alert });
  }

  sendPacing(alert: PacingAlert): void {
    const text =
      `Tollgate: paced budget ${alert.budget.scope} (${alert.budget.period}) spent today's allowance: ` +
      `${formatUsd(alert.spent_today_usd)} of ${formatUsd(alert.allowance_usd)}, resets ${alert.resets_at}`;
    this.post({ text, kind: 'budget_pacing', ...alert });
  }

  sendForecast(alert: ForecastAlert): void {
    this.post({ text: `Tollgate forecast: ${alert.sentence}`, kind: 'budget_forecast', ...alert });
  }

  /** A run-guard event (warn, pause, terminate). */
  sendGuard(event: GuardAlert): void {
    const top = event.evidence[event.evidence.length - 1];
    const text = `Tollgate run guard: ${event.action} run ${event.run} (team ${event.team})${top ? ` (${top.detector}: ${top.summary})` : event.reason ? ` (${event.reason})` : ''}`;
    this.post({ text, kind: 'run_guard', ...event });
  }

  private post(payload: Record<string, unknown>): void {
    if (!this.opts.url) {
      this.log.warn({ alert: payload }, 'alert (no alerts.webhook_url configured)');
      return;
    }
    const p = this.deliver(this.opts.url, payload).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async deliver(url: string, payload: Record<string, unknown>): Promise<void> {
    const body = JSON.stringify(payload);
    for (let attempt = 0; attempt <= this.opts.retries; attempt++) {
      try {
        const res = await request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          headersTimeout: this.opts.timeoutMs,
          bodyTimeout: this.opts.timeoutMs,
        });
        await res.body.dump();
        if (res.statusCode < 300) return;
        this.log.warn({ status: res.statusCode, attempt }, 'alert webhook refused');
      } catch (err) {
        this.log.warn({ err, attempt }, 'alert webhook failed');
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
    this.log.error({ alert: payload }, 'alert webhook gave up');
  }

  /** Wait for alerts in flight (bounded by their retries). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
