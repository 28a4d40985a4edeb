/**
 * Prometheus /metrics through the gateway: calls of every kind (OpenAI and Anthropic SDKs, streams,
 * embeddings, cache writes and reads, reasoning, errors, a fallback, a cache hit, guard refusals),
 * then a scrape parsed with a test-side parser and compared with the ledger's own rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRow } from '../../src/storage/types.js';
import { directive, startStack, type Stack } from './harness.js';
import { parsePrometheus, sumOf, type Sample } from './prom-text.js';

const TOKEN = 'scrape-secret-token';
const LIMIT_USD = 5;
let s: Stack;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      metrics: { bearer_token: TOKEN },
      budgets: [{ scope: 'team:platform', limit_usd: LIMIT_USD, period: 'month' }],
      // Runs of team "loopers" may make two calls; their third and later calls are refused.
      guard: { enabled: true, cap_overrides: [{ scope: 'team:loopers', max_calls: 2 }] },
      routes: [
        { match: { model: 'chain' }, fallback: ['test-gpt', 'test-claude'] },
        { match: { tags: ['batch'] }, cache: { ttl_seconds: 3600, scope: 'team' } },
      ],
    }),
  });
});
afterAll(() => s?.close());

async function scrape(headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<Response> {
  return fetch(`${s.gw.url}/metrics`, { headers });
}

async function waitForRows(n: number): Promise<CallRow[]> {
  const until = Date.now() + 10_000;
  for (;;) {
    const rows = await s.calls();
    if (rows.length >= n) return rows;
    if (Date.now() > until) throw new Error(`expected ${n} ledger rows, have ${rows.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sum of f over rows, grouped by a key built from the row. */
function groupSum(rows: CallRow[], key: (r: CallRow) => string, f: (r: CallRow) => number): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + f(r));
  return m;
}

/** Samples of one metric as key -> value, the key built from chosen labels. */
function byLabels(samples: Sample[], name: string, labels: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of samples) {
    if (x.name !== name) continue;
    const k = labels.map((l) => x.labels[l] ?? '?').join('|');
    m.set(k, (m.get(k) ?? 0) + x.value);
  }
  return m;
}

/** Every non-zero expectation matches, and the scrape has no non-zero series the ledger does not. */
function expectSameCounts(actual: Map<string, number>, expected: Map<string, number>, what: string, tolerance = 0): void {
  for (const [k, v] of expected) {
    if (tolerance === 0) expect(actual.get(k) ?? 0, `${what} ${k}`).toBe(v);
    else expect(Math.abs((actual.get(k) ?? 0) - v), `${what} ${k}`).toBeLessThanOrEqual(tolerance);
  }
  for (const [k, v] of actual) if (v !== 0) expect(expected.has(k), `${what}: unexpected series ${k}`).toBe(true);
}

const group = (r: CallRow): string => `${r.team}|${r.servedModel ?? 'none'}|${r.provider ?? 'none'}`;

describe('/metrics', () => {
  it('counts tokens by class, calls, spend, latency, cache hits, fallbacks and guard refusals exactly as the ledger does', async () => {
    const platform = await s.createKey({ team: 'platform' });
    const research = await s.createKey({ team: 'research' });
    const loopers = await s.createKey({ team: 'loopers' });
    const oa = s.openai(platform);
    let requests = 0;

    await oa.chat.completions.create({ model: 'test-gpt', max_tokens: 40, messages: [{ role: 'user', content: directive({ prompt_tokens: 120, completion_tokens: 30, cached_tokens: 40, reasoning_tokens: 12 }, 'one') }] });
    requests++;
    const stream = await oa.chat.completions.create({ model: 'test-gpt', max_tokens: 40, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: directive({ completion_tokens: 25 }, 'two') }] });
    for await (const _chunk of stream) void _chunk;
    requests++;
    await s.openai(research).embeddings.create({ model: 'text-embedding-3-small', input: directive({ prompt_tokens: 77 }, 'embed me') });
    requests++;
    await s.anthropic(research).messages.create({ model: 'test-claude', max_tokens: 50, messages: [{ role: 'user', content: directive({ prompt_tokens: 300, completion_tokens: 20, cached_tokens: 100, cache_write_5m: 60, cache_write_1h: 40 }, 'three') }] });
    requests++;
    const astream = await s.anthropic(platform).messages.create({ model: 'test-claude', max_tokens: 50, stream: true, messages: [{ role: 'user', content: directive({ completion_tokens: 15, cache_write_5m: 10 }, 'four') }] });
    for await (const _ev of astream) void _ev;
    requests++;
    // An upstream error (not retried by the SDK at maxRetries 0).
    await expect(oa.chat.completions.create({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: directive({ status: 400 }, 'five') }] })).rejects.toThrow();
    requests++;
    // A fallback: the first target fails with 503, the second answers (two ledger rows).
    await oa.chat.completions.create({ model: 'chain', max_tokens: 20, messages: [{ role: 'user', content: directive({ status: 503, only_model: 'gpt-test-upstream' }, 'six') }] });
    requests += 2;
    // A miss then a hit of the response cache.
    const batch = s.openai(platform, { headers: { 'x-tollgate-tags': 'batch' } });
    for (let i = 0; i < 2; i++) await batch.chat.completions.create({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: directive({ completion_tokens: 9 }, 'seven') }] });
    requests += 2;
    // An unknown model: refused before routing (no model, no provider).
    await expect(oa.chat.completions.create({ model: 'no-such-model', max_tokens: 20, messages: [{ role: 'user', content: 'eight' }] })).rejects.toThrow();
    requests++;
    // A looping run: two calls pass, the next two are refused by the guard's cap.
    const loop = s.openai(loopers, { headers: { 'x-tollgate-run': 'loop-1' } });
    for (let i = 0; i < 4; i++) {
      await loop.chat.completions.create({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: `step ${i} of the loop` }] }).catch(() => undefined);
      requests++;
    }

    // Two agents confirming each other in a loop: warned, then terminated by a detector.
    let evidence = '';
    for (let i = 0; i < 12 && !evidence; i++) {
      const agent = i % 2 === 0 ? 'writer' : 'reviewer';
      const c = s.openai(platform, { headers: { 'x-tollgate-run': 'echo-1', 'x-tollgate-agent': agent } });
      const text = agent === 'writer' ? 'Please confirm the summary is final.' : 'Confirmed. The summary is final.';
      await c.chat.completions.create({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: directive({ completion_tokens: 5 }, text) }] }).catch((e: { error?: { evidence?: { detector: string }[] } }) => {
        evidence = e.error?.evidence?.at(-1)?.detector ?? 'unknown';
      });
      requests++;
    }
    expect(evidence).not.toBe('');

    const rows = await waitForRows(requests);
    expect(rows.length).toBe(requests);
    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const samples = parsePrometheus(await res.text());

    // Tokens by team, model, provider and class.
    const classes: [string, (r: CallRow) => number][] = [
      ['input', (r) => r.inputTokens],
      ['cached_input', (r) => r.cachedInputTokens],
      ['cache_write_5m', (r) => r.cacheWrite5mTokens],
      ['cache_write_1h', (r) => r.cacheWrite1hTokens],
      ['output', (r) => r.outputTokens],
      ['reasoning', (r) => r.reasoningTokens],
    ];
    const tokens = byLabels(samples, 'tollgate_tokens_total', ['team', 'model', 'provider', 'class']);
    const expectedTokens = new Map<string, number>();
    for (const [c, f] of classes) {
      const total = rows.reduce((a, r) => a + f(r), 0);
      expect(total, `the ledger holds some ${c} tokens`).toBeGreaterThan(0);
      for (const [k, v] of groupSum(rows, group, f)) if (v > 0) expectedTokens.set(`${k}|${c}`, v);
    }
    expectSameCounts(tokens, expectedTokens, 'tokens');

    // Calls by endpoint and status.
    const calls = byLabels(samples, 'tollgate_calls_total', ['team', 'model', 'provider', 'endpoint', 'status']);
    expectSameCounts(calls, groupSum(rows, (r) => `${group(r)}|${r.endpoint}|${r.status}`, () => 1), 'calls');
    expect(sumOf(samples, 'tollgate_calls_total')).toBe(rows.length);
    expect(sumOf(samples, 'tollgate_calls_total', { status: 'error' })).toBeGreaterThanOrEqual(4);

    // Spend in USD, per series, within float rounding of the ledger's integer nano-dollars.
    const spend = byLabels(samples, 'tollgate_spend_usd_total', ['team', 'model', 'provider']);
    const expectedSpend = new Map([...groupSum(rows, group, (r) => r.costNanos)].filter(([, v]) => v > 0).map(([k, v]) => [k, v / 1e9]));
    expect(expectedSpend.size).toBeGreaterThan(2);
    expectSameCounts(spend, expectedSpend, 'spend', 1e-12);
    const totalNanos = rows.reduce((a, r) => a + r.costNanos, 0);
    expect(Math.abs(sumOf(samples, 'tollgate_spend_usd_total') - totalNanos / 1e9)).toBeLessThan(1e-9);

    // Histograms: one latency observation per row, one time-to-first-byte per row that has one.
    const latencyCount = byLabels(samples, 'tollgate_request_duration_seconds_count', ['endpoint', 'model', 'provider']);
    expectSameCounts(latencyCount, groupSum(rows, (r) => `${r.endpoint}|${r.servedModel ?? 'none'}|${r.provider ?? 'none'}`, () => 1), 'latency count');
    expect(sumOf(samples, 'tollgate_request_duration_seconds_count')).toBe(rows.length);
    expect(sumOf(samples, 'tollgate_request_duration_seconds_bucket', { le: '+Inf' })).toBe(rows.length);
    // Cumulative buckets: each `le` counts the rows that took at most that long.
    const bounds = new Set(samples.filter((x) => x.name === 'tollgate_request_duration_seconds_bucket').map((x) => x.labels['le']!));
    expect(bounds.size).toBeGreaterThan(5);
    for (const le of bounds) {
      const within = rows.filter((r) => (r.endedAt - r.startedAt) / 1000 <= (le === '+Inf' ? Infinity : Number(le))).length;
      expect(sumOf(samples, 'tollgate_request_duration_seconds_bucket', { le }), `le=${le}`).toBe(within);
    }
    const latencySum = rows.reduce((a, r) => a + (r.endedAt - r.startedAt) / 1000, 0);
    expect(Math.abs(sumOf(samples, 'tollgate_request_duration_seconds_sum') - latencySum)).toBeLessThan(1e-6);
    const withFirstByte = rows.filter((r) => r.firstByteAt !== null).length;
    expect(withFirstByte).toBeGreaterThan(0);
    expect(withFirstByte).toBeLessThan(rows.length);
    expect(sumOf(samples, 'tollgate_time_to_first_byte_seconds_count')).toBe(withFirstByte);

    // Cache hits, fallbacks, errors by code, guard refusals.
    expectSameCounts(byLabels(samples, 'tollgate_cache_hits_total', ['team', 'model', 'provider']), groupSum(rows.filter((r) => r.cacheHit), group, () => 1), 'cache hits');
    expect(sumOf(samples, 'tollgate_cache_hits_total')).toBe(1);
    expectSameCounts(byLabels(samples, 'tollgate_fallbacks_total', ['team', 'model', 'provider']), groupSum(rows.filter((r) => r.attemptOf !== null), group, () => 1), 'fallbacks');
    expect(sumOf(samples, 'tollgate_fallbacks_total')).toBe(1);
    expectSameCounts(byLabels(samples, 'tollgate_errors_total', ['code']), groupSum(rows.filter((r) => r.errorCode !== null), (r) => r.errorCode!, () => 1), 'errors');
    const refusedRows = rows.filter((r) => r.errorCode === 'run_terminated').length;
    expect(refusedRows).toBe(3);
    expect(sumOf(samples, 'tollgate_guard_actions_total', { action: 'terminate', refused: 'true' })).toBe(refusedRows);
    expect(sumOf(samples, 'tollgate_guard_actions_total', { action: 'terminate', refused: 'true', detector: 'none' })).toBe(2); // the cap
    expect(sumOf(samples, 'tollgate_guard_actions_total', { action: 'terminate', refused: 'true', detector: evidence })).toBe(1);
    expect(sumOf(samples, 'tollgate_guard_actions_total', { action: 'warn', refused: 'false', detector: evidence })).toBeGreaterThan(0);

    // Budget utilisation of the configured team budget: what the platform team spent over its limit.
    const platformNanos = rows.filter((r) => r.team === 'platform').reduce((a, r) => a + r.costNanos, 0);
    expect(platformNanos).toBeGreaterThan(0);
    const util = samples.find((x) => x.name === 'tollgate_budget_utilisation_ratio' && x.labels['scope'] === 'team:platform' && x.labels['period'] === 'month');
    expect(util, 'utilisation gauge for team:platform').toBeDefined();
    expect(Math.abs(util!.value - platformNanos / (LIMIT_USD * 1e9))).toBeLessThan(1e-12);
    expect(sumOf(samples, 'tollgate_budget_limit_usd', { scope: 'team:platform' })).toBe(LIMIT_USD);
  });

  it('requires the configured bearer token', async () => {
    expect((await scrape({})).status).toBe(401);
    expect((await scrape({ authorization: 'Bearer wrong-token' })).status).toBe(401);
    expect((await scrape({ authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('# TYPE tollgate_tokens_total counter');
  });
});

describe('/metrics disabled', () => {
  it('is not served, and calls still work', async () => {
    const off = await startStack({ config: (base) => ({ ...base, metrics: { enabled: false } }) });
    try {
      const key = await off.createKey();
      await off.openai(key).chat.completions.create({ model: 'test-gpt', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      expect((await fetch(`${off.gw.url}/metrics`)).status).toBe(404);
      expect(off.gw.deps.telemetry.metrics).toBeNull();
    } finally {
      await off.close();
    }
  });
});
