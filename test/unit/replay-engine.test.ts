import { describe, expect, it } from 'vitest';
import { replay } from '../../src/analytics/replay/engine.js';
import { policyFrom } from '../../src/analytics/replay/policy.js';
import { configSchema } from '../../src/config/schema.js';
import { configRates } from '../../src/pricing/price-book.js';
import type { CallFeatures, CallRow } from '../../src/storage/types.js';

const T0 = Date.UTC(2026, 10, 25, 9);
const S = 1000;

/** big: $10 in / $30 out per Mtok; small: $1 / $2. */
const PRICES = { big: { input_per_mtok: 10, output_per_mtok: 30 }, small: { input_per_mtok: 1, output_per_mtok: 2 } };

function policy(extra: Record<string, unknown>) {
  const config = configSchema.parse({
    defaults: { key_budget: null, key_rate_limit: null },
    providers: { p: { kind: 'openai', base_url: 'http://127.0.0.1:1' } },
    models: { big: { provider: 'p', price: PRICES.big }, small: { provider: 'p', price: PRICES.small } },
    guard: { enabled: false },
    ...extra,
  });
  const rates = new Map(Object.entries(config.models).map(([n, m]) => [n, configRates(m.price!)]));
  return policyFrom(config, rates, T0);
}

const features = (over: Partial<CallFeatures> = {}): CallFeatures => ({
  bytes: 1000, promptBound: 1000, outputBound: 100, choices: 1, tools: false, images: false, routeHeader: null, noCache: false,
  unlimited: false, upstreamStatus: null, request: null, output: null, ...over,
});

function row(id: string, startedAt: number, endedAt: number, over: Partial<CallRow> = {}): CallRow {
  return {
    id, startedAt, firstByteAt: startedAt + 10, endedAt, keyId: 'k1', team: 'a', user: null, project: null, run: null, agent: null, parent: null,
    tags: null, endpoint: 'chat', stream: false, provider: 'p', requestedModel: 'big', servedModel: 'big', inputTokens: 500, cachedInputTokens: 0,
    cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 50, reasoningTokens: 0, costNanos: 6_500_000, estimated: false, status: 'ok',
    httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: `h-${id}`, webSearches: 0, serviceTier: null,
    features: features(), ...over,
  };
}

// Per call on big: worst case 1000 x $10 + 100 x $30 per Mtok = 13,000,000 nanos; actual 500 x 10 + 50 x 30 = 6,500,000.
const WORST = 13_000_000;
const ACTUAL = 6_500_000;

describe('replay: budgets', () => {
  it('refuses the calls a budget cannot cover and says when it ran out (sequential calls)', async () => {
    const limit = 30_000_000;
    const p = policy({ budgets: [{ scope: 'team:a', limit_usd: limit / 1e9, period: 'day' }] });
    const rows = Array.from({ length: 6 }, (_, i) => row(`c${i + 1}`, T0 + i * 10 * S, T0 + i * 10 * S + 2 * S));
    // By hand: a call fits when spent + its worst case stays within the limit.
    let used = 0;
    const expectBlocked: string[] = [];
    for (const r of rows) {
      if (used + WORST <= limit) used += ACTUAL;
      else expectBlocked.push(r.id);
    }
    expect(expectBlocked).toEqual(['c4', 'c5', 'c6']);
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.filter((o) => o.outcome === 'blocked').map((o) => o.id)).toEqual(expectBlocked);
    expect(rep.outcomes!.find((o) => o.id === 'c4')!.blockedBy).toEqual({ kind: 'budget', budget: 'team:a/day', scope: 'team:a', unit: 'usd' });
    expect(rep.budgets).toHaveLength(1);
    expect(rep.budgets[0]).toMatchObject({ budget: 'team:a/day', exhaustedAt: T0 + 30 * S, blockedCalls: 3, used: 3 * ACTUAL, limit });
    expect(rep.spend.beforeNanos).toBe(6 * ACTUAL);
    expect(rep.spend.afterNanos).toBe(3 * ACTUAL);
    expect(rep.blocked.liveCostNanos).toBe(3 * ACTUAL);
  });

  it('holds the reservations of overlapping calls, as the live gateway does', async () => {
    const p = policy({ budgets: [{ scope: 'team:a', limit_usd: 0.03, period: 'day' }] });
    // c1..c3 start together (3 x 13M reserved > 30M: c3 refused); c4 starts after they ended: 13M spent + 13M fits.
    const rows = [row('c1', T0, T0 + 5 * S), row('c2', T0 + 1, T0 + 5 * S), row('c3', T0 + 2, T0 + 5 * S), row('c4', T0 + 6 * S, T0 + 7 * S)];
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.map((o) => o.outcome)).toEqual(['served', 'served', 'blocked', 'served']);
  });

  it('replays calls without features (imported) from their tokens, and counts them', async () => {
    const p = policy({ budgets: [{ scope: 'team:a', limit_usd: 0.01, period: 'day' }] });
    // Worst case from tokens: 500 x $10 + 50 x $30 per Mtok = the actual 6,500,000: one fits in 10,000,000, then 6.5M + 6.5M does not.
    const rows = [row('i1', T0, T0 + S, { features: null }), row('i2', T0 + 2 * S, T0 + 3 * S, { features: null })];
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.map((o) => o.outcome)).toEqual(['served', 'blocked']);
    expect(rep.notEvaluated.budgetsNoFeatures).toBe(2);
  });

  it("reports each budget line's spend even after the counter store forgot its expired counter", async () => {
    // A per-minute rate limit makes a counter a minute: the store sweeps the expired ones as they pile
    // up, early days' budget counters included. One call a minute for 50 days.
    const p = policy({ defaults: { key_budget: null, key_rate_limit: { rpm: 1000 } }, budgets: [{ scope: 'team:a', limit_usd: 1000, period: 'day' }] });
    const M = 60 * S;
    const rows = Array.from({ length: 50 * 1440 }, (_, i) => row(`m${i}`, T0 + i * M, T0 + i * M + S));
    const rep = await replay(rows, p);
    expect(rep.blocked.budget).toBe(0);
    expect(rep.budgets.length).toBeGreaterThanOrEqual(50);
    expect(rep.budgets.every((l) => l.used > 0 && l.used % ACTUAL === 0)).toBe(true);
    expect(rep.budgets.reduce((sum, l) => sum + l.used, 0)).toBe(rows.length * ACTUAL);
  });
});

describe('replay: routing and cache', () => {
  it('reprices rerouted calls at the target model and counts cache hits within the TTL as free', async () => {
    const p = policy({
      routes: [
        { name: 'cheap', match: { model: 'big', header: 'cheap' }, serve: 'small' },
        { name: 'cached', match: { model: 'big' }, cache: { ttl_seconds: 60, scope: 'team' } },
      ],
    });
    const rows = [
      row('r1', T0, T0 + S, { features: features({ routeHeader: 'cheap' }) }),
      row('k1', T0 + 2 * S, T0 + 3 * S, { requestHash: 'same' }),
      row('k2', T0 + 10 * S, T0 + 11 * S, { requestHash: 'same' }),
      row('k3', T0 + 100 * S, T0 + 101 * S, { requestHash: 'same' }), // the entry (stored at 3 s, 60 s) has expired
    ];
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.map((o) => [o.id, o.outcome, o.model, o.route])).toEqual([
      ['r1', 'served', 'small', 'rule:cheap'],
      ['k1', 'served', 'big', null],
      ['k2', 'cached', 'big', 'cache'],
      ['k3', 'served', 'big', null],
    ]);
    // small: 500 x $1 + 50 x $2 per Mtok = 600 micro-dollars = 600,000 nanos.
    const small = 500 * 1 * 1000 + 50 * 2 * 1000;
    expect(small).toBe(600_000);
    expect(rep.savings).toMatchObject({ routedCalls: 1, routingNanos: ACTUAL - small, cachedCalls: 1, cacheNanos: ACTUAL });
    expect(rep.spend.afterNanos).toBe(small + 2 * ACTUAL);
    expect(rep.spend.byModel.find((m) => m.group === 'small')).toMatchObject({ calls: 1, beforeNanos: 0, afterNanos: small });
  });
});

describe('replay: service tiers', () => {
  it("reprices a rerouted call at the target model's rates for the tier that served it", async () => {
    const config = configSchema.parse({
      defaults: { key_budget: null, key_rate_limit: null },
      providers: { p: { kind: 'openai', base_url: 'http://127.0.0.1:1' } },
      models: {
        big: { provider: 'p', price: PRICES.big },
        small: { provider: 'p', price: { ...PRICES.small, service_tiers: { priority: { input_per_mtok: 2, output_per_mtok: 4 } } } },
      },
      guard: { enabled: false },
      routes: [{ name: 'cheap', match: { model: 'big' }, serve: 'small' }],
    });
    const rates = new Map(Object.entries(config.models).map(([n, m]) => [n, configRates(m.price!)]));
    const p = policyFrom(config, rates, T0);
    const rows = [row('std', T0, T0 + S), row('pri', T0 + 2 * S, T0 + 3 * S, { serviceTier: 'priority' })];
    const rep = await replay(rows, p, { outcomes: true });
    // small standard: 500 x $1 + 50 x $2 per Mtok; priority: 500 x $2 + 50 x $4.
    expect(rep.spend.afterNanos).toBe(600_000 + 1_200_000);
  });
});

describe('replay: fallbacks and downgrades', () => {
  it('keeps the fallback target that served live, and downgrades past a budget threshold', async () => {
    const p = policy({
      routes: [{ name: 'chain', match: { team: 'a' }, fallback: ['big', 'small'] }],
      budgets: [{ scope: 'team:b', limit_usd: 0.1, period: 'day', downgrade: { at_pct: 10, model: 'small' } }],
    });
    const rows = [
      // The first target failed live; small served it: replay keeps it (provider health is not replayed).
      row('f1', T0, T0 + S, { servedModel: 'small', costNanos: 600_000 }),
      // team b: 13M worst case per call on a 100M budget; after one call (6.5M spent, 6.5%) below 10%, after two 13% above.
      row('d1', T0 + 2 * S, T0 + 3 * S, { team: 'b' }),
      row('d2', T0 + 4 * S, T0 + 5 * S, { team: 'b' }),
      row('d3', T0 + 6 * S, T0 + 7 * S, { team: 'b' }),
    ];
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.map((o) => [o.id, o.model, o.route])).toEqual([
      ['f1', 'small', null],
      ['d1', 'big', null],
      ['d2', 'big', null],
      ['d3', 'small', 'downgrade:team:b/day'],
    ]);
    expect(rep.savings.downgradedCalls).toBe(1);
    expect(rep.savings.downgradeNanos).toBe(ACTUAL - 600_000);
  });
});

describe('replay: run guard', () => {
  it('stops a run that repeats the same request, at the call the ladder reaches terminate', async () => {
    const p = policy({ guard: { enabled: true } });
    const req = { sketch: [0x12345678, 0x9abcdef0] as [number, number], words: 40, fresh: false };
    // Distinct outputs (fresh shingles each time): only the requests repeat. One call every 5 s (not paced, not a retry).
    const out = (i: number) => ({ sketch: [i * 7919, i * 104729] as [number, number], words: 30, sample: Array.from({ length: 30 }, (_, k) => (i * 1_000_003 + k * 7_777_777) | 0), affirmation: false, toolKey: null, toolNames: null });
    const rows = Array.from({ length: 8 }, (_, i) => row(`g${i + 1}`, T0 + i * 5 * S, T0 + i * 5 * S + S, { run: 'loop', agent: 'a1', features: features({ request: req, output: out(i + 1) }) }));
    const rep = await replay(rows, p, { outcomes: true });
    // repeated_requests scores streak/5, threshold 0.6: g4 is the 3rd repeat (warn), g5 warns again, g6 is the third strike: terminate.
    expect(rep.outcomes!.map((o) => o.outcome)).toEqual(['served', 'served', 'served', 'served', 'served', 'blocked', 'blocked', 'blocked']);
    expect(rep.runs).toHaveLength(1);
    expect(rep.runs[0]).toMatchObject({ run: 'loop', callId: 'g6', callIndex: 6, action: 'terminate', refused: 3 });
    expect(rep.runs[0]!.reason).toContain('repeated_requests');
    expect(rep.notEvaluated.guardNoDigest).toBe(0);
  });

  it("keys runs by team and id: another team's run of the same id goes on while the looping one is stopped", async () => {
    const p = policy({ guard: { enabled: true } });
    const req = { sketch: [0x12345678, 0x9abcdef0] as [number, number], words: 40, fresh: false };
    const out = (i: number) => ({ sketch: [i * 7919, i * 104729] as [number, number], words: 30, sample: Array.from({ length: 30 }, (_, k) => (i * 1_000_003 + k * 7_777_777) | 0), affirmation: false, toolKey: null, toolNames: null });
    // Team b's calls of run "loop" take distinct steps, interleaved with team a's repeats.
    const distinctReq = (i: number) => ({ sketch: [i * 2_654_435_761, i * 40_503] as [number, number], words: 40, fresh: false });
    const rows = Array.from({ length: 8 }, (_, i) => [
      row(`a${i + 1}`, T0 + i * 5 * S, T0 + i * 5 * S + S, { run: 'loop', agent: 'a1', features: features({ request: req, output: out(i + 1) }) }),
      row(`b${i + 1}`, T0 + i * 5 * S + 2 * S, T0 + i * 5 * S + 3 * S, { team: 'b', keyId: 'k2', run: 'loop', agent: 'a1', features: features({ request: distinctReq(i + 1), output: out(i + 100) }) }),
    ]).flat();
    const rep = await replay(rows, p, { outcomes: true });
    const outcome = (prefix: string) => rep.outcomes!.filter((o) => o.id.startsWith(prefix)).map((o) => o.outcome);
    expect(outcome('a')).toEqual(['served', 'served', 'served', 'served', 'served', 'blocked', 'blocked', 'blocked']);
    expect(outcome('b')).toEqual(Array(8).fill('served'));
    expect(rep.runs).toEqual([expect.objectContaining({ run: 'loop', team: 'a', callId: 'a6', callIndex: 6, refused: 3 })]);
  });

  it('counts calls the guard could not judge (no digest recorded)', async () => {
    const p = policy({ guard: { enabled: true } });
    const rep = await replay([row('n1', T0, T0 + S, { features: null, run: 'r' })], p);
    expect(rep.notEvaluated.guardNoDigest).toBe(1);
  });

  it('keys a run by team and id, even where the two joined would read alike', async () => {
    const p = policy({ guard: { enabled: true } });
    const req = { sketch: [0x12345678, 0x9abcdef0] as [number, number], words: 40, fresh: false };
    const out = (i: number) => ({ sketch: [i * 7919, i * 104729] as [number, number], words: 30, sample: Array.from({ length: 30 }, (_, k) => (i * 1_000_003 + k * 7_777_777) | 0), affirmation: false, toolKey: null, toolNames: null });
    const distinctReq = (i: number) => ({ sketch: [i * 2_654_435_761, i * 40_503] as [number, number], words: 40, fresh: false });
    // Team "a" run "x:loop" repeats itself; team "a:x" run "loop" does not.
    const rows = Array.from({ length: 8 }, (_, i) => [
      row(`a${i + 1}`, T0 + i * 5 * S, T0 + i * 5 * S + S, { run: 'x:loop', agent: 'a1', features: features({ request: req, output: out(i + 1) }) }),
      row(`b${i + 1}`, T0 + i * 5 * S + 2 * S, T0 + i * 5 * S + 3 * S, { team: 'a:x', keyId: 'k2', run: 'loop', agent: 'a1', features: features({ request: distinctReq(i + 1), output: out(i + 100) }) }),
    ]).flat();
    const rep = await replay(rows, p, { outcomes: true });
    const outcome = (prefix: string) => rep.outcomes!.filter((o) => o.id.startsWith(prefix)).map((o) => o.outcome);
    expect(outcome('b')).toEqual(Array(8).fill('served'));
    expect(rep.runs).toEqual([expect.objectContaining({ run: 'x:loop', team: 'a', callId: 'a6' })]);
  });

  it('forgets a stopped run after the idle time (it starts afresh) and keeps its stop in the report', async () => {
    const p = policy({ guard: { enabled: true } });
    const req = { sketch: [0x12345678, 0x9abcdef0] as [number, number], words: 40, fresh: false };
    const out = (i: number) => ({ sketch: [i * 7919, i * 104729] as [number, number], words: 30, sample: Array.from({ length: 30 }, (_, k) => (i * 1_000_003 + k * 7_777_777) | 0), affirmation: false, toolKey: null, toolNames: null });
    const call = (id: string, at: number, i: number) => row(id, at, at + S, { run: 'loop', agent: 'a1', features: features({ request: req, output: out(i) }) });
    const later = T0 + 7 * 3_600 * S;
    const rows = [...Array.from({ length: 8 }, (_, i) => call(`g${i + 1}`, T0 + i * 5 * S, i + 1)), call('h1', later, 50), call('h2', later + 5 * S, 51)];
    const rep = await replay(rows, p, { outcomes: true });
    expect(rep.outcomes!.map((o) => o.outcome)).toEqual(['served', 'served', 'served', 'served', 'served', 'blocked', 'blocked', 'blocked', 'served', 'served']);
    expect(rep.runs).toEqual([expect.objectContaining({ run: 'loop', callId: 'g6', refused: 3 })]);
  });
});
