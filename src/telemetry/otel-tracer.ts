/**
 * OpenTelemetry export: one span per ledger row, named and attributed with the GenAI semantic
 * conventions (gen_ai.*), plus tollgate.* attributes for the attribution Tollgate adds. Spans are
 * built after the fact from the row's start and end times, batched (BatchSpanProcessor) and sent
 * as OTLP/HTTP JSON. When the client sent a W3C `traceparent`, the span joins the client's trace.
 *
 * This module is only imported when `otel:` is configured, and it imports the OpenTelemetry SDK
 * itself lazily, so a gateway without tracing never loads it.
 */
import type { Attributes, Context, Tracer } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { CallContext } from '../pipeline/context.js';
import type { CallRow } from '../storage/types.js';
import { tracesUrl, type OtelConfig } from './config.js';

export interface CallTracer {
  span(row: CallRow, ctx: CallContext | null): void;
  /** Export what is batched and stop. */
  close(): Promise<void>;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The output bound sent upstream: after a clamp or the injected default, as the body now holds it. */
function maxTokensOf(ctx: CallContext | null): number | null {
  if (!ctx) return null;
  if (ctx.clampedTo !== null) return ctx.clampedTo;
  const v = ctx.body['max_completion_tokens'] ?? ctx.body['max_tokens'] ?? ctx.body['max_output_tokens'];
  return typeof v === 'number' ? v : null;
}

/** GenAI and tollgate.* attributes of one call; absent values are left out (OTel refuses null). */
export function spanAttributes(row: CallRow, ctx: CallContext | null): Attributes {
  const a: Attributes = {};
  const put = (k: string, v: string | number | boolean | null | undefined): void => {
    if (v !== null && v !== undefined) a[k] = v;
  };
  const prompt = row.inputTokens + row.cachedInputTokens + row.cacheWrite5mTokens + row.cacheWrite1hTokens;
  put('gen_ai.operation.name', row.endpoint === 'embeddings' ? 'embeddings' : 'chat');
  put('gen_ai.provider.name', row.provider);
  // The name older backends still group by (deprecated in favour of gen_ai.provider.name).
  put('gen_ai.system', row.provider);
  put('gen_ai.request.model', row.requestedModel);
  put('gen_ai.response.model', ctx?.target?.upstreamModel ?? row.servedModel);
  put('gen_ai.request.max_tokens', maxTokensOf(ctx));
  put('gen_ai.request.stream', row.stream);
  // The conventions count the whole prompt as input (cached and cache writes included) and
  // reasoning as part of output; Tollgate's non-overlapping classes are added up accordingly.
  put('gen_ai.usage.input_tokens', prompt);
  put('gen_ai.usage.output_tokens', row.outputTokens + row.reasoningTokens);
  put('gen_ai.usage.cache_read.input_tokens', row.cachedInputTokens);
  put('gen_ai.usage.cache_creation.input_tokens', row.cacheWrite5mTokens + row.cacheWrite1hTokens);
  put('gen_ai.usage.reasoning.output_tokens', row.reasoningTokens);
  put('gen_ai.conversation.id', row.run);
  put('http.response.status_code', row.httpStatus);
  if (row.status !== 'ok') put('error.type', row.errorCode ?? row.status);
  put('tollgate.call_id', row.id);
  put('tollgate.team', row.team);
  put('tollgate.user', row.user);
  put('tollgate.project', row.project);
  put('tollgate.run', row.run);
  put('tollgate.agent', row.agent);
  put('tollgate.parent', row.parent);
  put('tollgate.key_id', row.keyId);
  put('tollgate.tags', row.tags);
  put('tollgate.cost_usd', row.costNanos / 1e9);
  put('tollgate.cost_nanos', row.costNanos);
  put('tollgate.saved_usd', row.savedNanos / 1e9);
  put('tollgate.served_model', row.servedModel);
  put('tollgate.route', row.route);
  put('tollgate.cache_hit', row.cacheHit);
  put('tollgate.estimated', row.estimated);
  put('tollgate.attempt_of', row.attemptOf);
  put('tollgate.status', row.status);
  return a;
}

/** Logs failed exports (at most once a minute) instead of dropping them silently. */
class LoggedExporter implements SpanExporter {
  private lastWarn = 0;
  constructor(
    private readonly inner: SpanExporter,
    private readonly log: Logger,
    private readonly url: string,
  ) {}

  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code !== 0 && Date.now() - this.lastWarn > 60_000) {
        this.lastWarn = Date.now();
        this.log.warn({ err: result.error, url: this.url, spans: spans.length }, 'OpenTelemetry export failed; spans dropped');
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export async function openTracer(cfg: OtelConfig, log: Logger): Promise<CallTracer> {
  const [api, sdk, otlp, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const url = tracesUrl(cfg.endpoint);
  const exporter = new LoggedExporter(new otlp.OTLPTraceExporter({ url, headers: cfg.headers, timeoutMillis: 5_000 }), log, url);
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': cfg.service_name }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  // Not registered globally: Tollgate's spans are its own business, not the host process's.
  const tracer: Tracer = provider.getTracer('tollgate');

  const parentOf = (ctx: CallContext | null): Context | undefined => {
    const tp = ctx?.req.headers['traceparent'];
    const m = typeof tp === 'string' ? TRACEPARENT.exec(tp.trim().toLowerCase()) : null;
    if (!m || m[1] === ZERO_TRACE || m[2] === ZERO_SPAN) return undefined;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: m[1]!, spanId: m[2]!, traceFlags: parseInt(m[3]!, 16), isRemote: true });
  };

  return {
    span(row, ctx) {
      const op = row.endpoint === 'embeddings' ? 'embeddings' : 'chat';
      const span = tracer.startSpan(
        row.requestedModel ? `${op} ${row.requestedModel}` : op,
        { kind: api.SpanKind.CLIENT, startTime: row.startedAt, attributes: spanAttributes(row, ctx) },
        parentOf(ctx),
      );
      if (row.status !== 'ok') span.setStatus({ code: api.SpanStatusCode.ERROR, message: row.errorCode ?? row.status });
      span.end(Math.max(row.endedAt, row.startedAt));
    },
    async close() {
      await Promise.race([provider.shutdown(), new Promise<void>((r) => setTimeout(r, 7_000).unref())]);
    },
  };
}
