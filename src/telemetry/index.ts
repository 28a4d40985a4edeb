/**
 * What the pipeline tells the outside world about each call: Prometheus metrics (on by default)
 * and OpenTelemetry spans (when `otel:` is configured). Both modules are imported only when turned
 * on, so a gateway that uses neither never loads prom-client or the OpenTelemetry SDK.
 */
import type { Logger } from 'pino';
import type { GuardDecision } from '../guard/index.js';
import type { CallContext } from '../pipeline/context.js';
import type { CallRow } from '../storage/types.js';
import type { BudgetSources, CallMetrics } from './call-metrics.js';
import type { MetricsConfig, OtelConfig } from './config.js';
import type { CallTracer } from './otel-tracer.js';

export class Telemetry {
  private constructor(
    /** Null when metrics are disabled. */
    readonly metrics: CallMetrics | null,
    /** Where metrics are served; null when disabled. */
    readonly metricsPath: string | null,
    private readonly tracer: CallTracer | null,
    private readonly log: Logger,
  ) {}

  static async open(o: { metrics: MetricsConfig; otel: OtelConfig | undefined; budgets: BudgetSources | null; log: Logger }): Promise<Telemetry> {
    const metrics = o.metrics.enabled ? new (await import('./call-metrics.js')).CallMetrics(o.budgets) : null;
    const tracer = o.otel ? await (await import('./otel-tracer.js')).openTracer(o.otel, o.log) : null;
    return new Telemetry(metrics, o.metrics.enabled ? o.metrics.path : null, tracer, o.log);
  }

  /** Nothing enabled (for tools that build a pipeline without a server). */
  static none(log: Logger): Telemetry {
    return new Telemetry(null, null, null, log);
  }

  /** Once per ledger row, right after it is handed to the recorder. Never throws into the pipeline. */
  onCall(row: CallRow, ctx: CallContext | null): void {
    try {
      this.metrics?.observe(row);
      this.tracer?.span(row, ctx);
    } catch (err) {
      this.log.error({ err, callId: row.id }, 'telemetry failed for a call');
    }
  }

  /** A run guard decision other than allow; `refused` when the call was refused because of it. */
  onGuard(d: GuardDecision, refused: boolean): void {
    this.metrics?.guardAction(d, refused);
  }

  /** Flush spans still batched. */
  async close(): Promise<void> {
    await this.tracer?.close().catch((err: unknown) => this.log.warn({ err }, 'flushing OpenTelemetry spans failed'));
  }
}
