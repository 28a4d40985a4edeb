import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { BudgetDirectory } from '../../src/budgets/budget-directory.js';
import type { Limiter } from '../../src/budgets/limiter.js';
import type { GuardDecision } from '../../src/guard/index.js';
import type { BudgetRecord, CallRow } from '../../src/storage/types.js';
import { CallMetrics } from '../../src/telemetry/call-metrics.js';
import { tracesUrl } from '../../src/telemetry/config.js';
import { spanAttributes } from '../../src/telemetry/otel-tracer.js';
import { parsePrometheus, sumOf } from '../e2e/prom-text.js';

const row = (over: Partial<CallRow> = {}): CallRow => ({
  id: 'c1', startedAt: 1_000, firstByteAt: 1_040, endedAt: 1_300, keyId: 'k1', team: 'platform', user: null, project: null, run: 'r1', agent: null, parent: null, tags: null,
  endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'gpt', servedModel: 'gpt', inputTokens: 100, cachedInputTokens: 20, cacheWrite5mTokens: 3, cacheWrite1hTokens: 4,
  outputTokens: 50, reasoningTokens: 7, costNanos: 1_234_567, estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null,
  ...over,
});

const budget = (scope: string, limitUsd: number): BudgetRecord => ({
  id: `${scope}/month`, scope, period: 'month', limitNanos: limitUsd * 1e9, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'config', createdAt: 0,
});

describe('telemetry config', () => {
  it('serves metrics at /metrics by default, without a token, and no tracing', () => {
    const { config } = parseConfig('{}', {});
    expect(config.metrics).toEqual({ enabled: true, path: '/metrics' });
    expect(config.otel).toBeUndefined();
  });

  it('refuses a metrics path that would shadow the API, and a bad endpoint', () => {
    expect(() => parseConfig('metrics: { path: /v1/metrics }', {})).toThrow(/metrics\.path/);
    expect(() => parseConfig('metrics: { path: metrics }', {})).toThrow(/metrics\.path/);
    expect(() => parseConfig('otel: { endpoint: not-a-url }', {})).toThrow(/otel\.endpoint/);
    expect(parseConfig('otel: { endpoint: "http://c:4318" }', {}).config.otel).toEqual({ endpoint: 'http://c:4318', headers: {}, service_name: 'tollgate' });
  });

  it('appends /v1/traces to a base endpoint only', () => {
    expect(tracesUrl('http://c:4318')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('http://c:4318/')).toBe('http://c:4318/v1/traces');
    expect(tracesUrl('https://h/otlp/v1/traces')).toBe('https://h/otlp/v1/traces');
  });
});

describe('CallMetrics', () => {
  it('puts a value on a bucket bound into that bucket, and counts guard actions by detector', async () => {
    const m = new CallMetrics(null);
    m.observe(row({ startedAt: 0, endedAt: 100, firstByteAt: null })); // exactly 0.1 s
    m.observe(row({ startedAt: 0, endedAt: 101, firstByteAt: 5 }));
    const warn: GuardDecision = { action: 'warn', reason: 'x', evidence: [{ detector: 'repeated_requests', score: 0.7, summary: '', calls: [] }], refuse: null };
    m.guardAction(warn, false);
    m.guardAction(warn, false);
    m.guardAction({ action: 'terminate', reason: 'cap', evidence: [], refuse: 'run_terminated' }, true);
    const s = parsePrometheus(await m.scrape());
    expect(sumOf(s, 'tollgate_request_duration_seconds_bucket', { le: '0.1' })).toBe(1);
    expect(sumOf(s, 'tollgate_request_duration_seconds_bucket', { le: '0.25' })).toBe(2);
    expect(sumOf(s, 'tollgate_time_to_first_byte_seconds_count')).toBe(1);
    expect(sumOf(s, 'tollgate_guard_actions_total', { action: 'warn', detector: 'repeated_requests', refused: 'false' })).toBe(2);
    expect(sumOf(s, 'tollgate_guard_actions_total', { action: 'terminate', detector: 'none', refused: 'true' })).toBe(1);
  });

  it('keeps spend exact in integer nano-dollars however many calls add up', async () => {
    const m = new CallMetrics(null);
    // 0.1 + 0.2 style float drift would show after a million additions of a non-representable USD amount.
    for (let i = 0; i < 1_000_000; i++) m.observe(row({ costNanos: 100_000_001 }));
    const s = parsePrometheus(await m.scrape());
    expect(sumOf(s, 'tollgate_spend_usd_total')).toBe((1_000_000 * 100_000_001) / 1e9);
  });

  it('reports utilisation for concrete budgets the limiter has seen, not for wildcards or unseen ones', async () => {
    const budgets = [budget('team:a', 10), budget('team:b', 10), budget('key:*', 50)];
    const seen = new Map([[`b:team:a/month@0:team:a:`, 42.5]]);
    const limiter = { lastUtilisation: (keys: string[]) => [...seen].find(([k]) => keys[0]!.startsWith(k))?.[1] ?? null } as unknown as Limiter;
    const m = new CallMetrics({ budgets: { list: () => budgets } as unknown as BudgetDirectory, limiter, timezone: 'UTC', now: () => Date.UTC(2026, 10, 25) });
    const s = parsePrometheus(await m.scrape());
    const util = s.filter((x) => x.name === 'tollgate_budget_utilisation_ratio');
    expect(util).toEqual([{ name: 'tollgate_budget_utilisation_ratio', labels: { scope: 'team:a', period: 'month' }, value: 0.425 }]);
    expect(s.filter((x) => x.name === 'tollgate_budget_limit_usd').map((x) => x.labels['scope'])).toEqual(['team:a', 'team:b']);
  });
});

describe('span attributes', () => {
  it('count the whole prompt as input and reasoning as output, as the GenAI conventions do, and leave out absent values', () => {
    const a = spanAttributes(row({ status: 'error', errorCode: 'upstream_error' }), null);
    expect(a['gen_ai.usage.input_tokens']).toBe(127);
    expect(a['gen_ai.usage.output_tokens']).toBe(57);
    expect(a['gen_ai.usage.cache_read.input_tokens']).toBe(20);
    expect(a['gen_ai.usage.cache_creation.input_tokens']).toBe(7);
    expect(a['tollgate.cost_usd']).toBeCloseTo(0.001234567, 15);
    expect(a['error.type']).toBe('upstream_error');
    expect('tollgate.user' in a).toBe(false);
    expect('gen_ai.request.max_tokens' in a).toBe(false);
  });
});
