import { describe, expect, it } from 'vitest';
import { configSchema, routeSchema, type RouteConfig } from '../../src/config/schema.js';
import { chooseRoute, routeModel, type RouteInput, type RouteModel } from '../../src/policy/routes.js';
import { configRates } from '../../src/pricing/price-book.js';
import { isOpen, recordResult } from '../../src/policy/circuit.js';

const rule = (r: unknown): RouteConfig => routeSchema.parse(r);
const base: RouteInput = {
  requested: 'big',
  keyId: 'k1',
  team: 'platform',
  user: 'ada',
  project: 'search',
  tags: ['batch', 'nightly'],
  agent: 'planner',
  header: null,
  promptBytes: 4000,
  hasTools: false,
  hasImages: false,
  embeddings: false,
  budgetUsedPct: 40,
  stickyKey: 'run-1',
};
const models: RouteModel[] = [
  { name: 'big', tier: 3, tools: true, vision: true, contextWindow: 200_000, embedding: false, costScore: 10_000 },
  { name: 'mid', tier: 2, tools: true, vision: false, contextWindow: 128_000, embedding: false, costScore: 1_000 },
  { name: 'small', tier: 1, tools: false, vision: false, contextWindow: 8_000, embedding: false, costScore: 100 },
];
const pick = (rules: unknown[], x: Partial<RouteInput> = {}) => chooseRoute(rules.map(rule), models, { ...base, ...x });

describe('route rules', () => {
  it('matches each matcher, and only when it holds', () => {
    const cases: [Record<string, unknown>, Partial<RouteInput>, Partial<RouteInput>][] = [
      [{ model: 'big' }, {}, { requested: 'other' }],
      [{ model: ['x', 'big'] }, {}, { requested: 'y' }],
      [{ key: 'k1' }, {}, { keyId: 'k2' }],
      [{ team: 'platform' }, {}, { team: 'research' }],
      [{ user: 'ada' }, {}, { user: null }],
      [{ project: 'search' }, {}, { project: 'other' }],
      [{ tags: ['batch'] }, {}, { tags: ['nightly'] }],
      [{ agent: 'planner' }, {}, { agent: 'coder' }],
      [{ header: 'cheap' }, { header: 'cheap' }, { header: null }],
      [{ prompt_tokens: { gt: 500 } }, { promptBytes: 4000 }, { promptBytes: 400 }],
      [{ prompt_tokens: { lt: 500 } }, { promptBytes: 400 }, { promptBytes: 4000 }],
      [{ tools: true }, { hasTools: true }, { hasTools: false }],
      [{ images: true }, { hasImages: true }, { hasImages: false }],
      [{ budget_used_pct: { gte: 80 } }, { budgetUsedPct: 85 }, { budgetUsedPct: 79.9 }],
    ];
    for (const [match, yes, no] of cases) {
      const rules = [{ match, serve: 'small' }];
      expect(pick(rules, yes).targets, JSON.stringify(match)).toEqual(['small']);
      expect(pick(rules, no).rule, JSON.stringify(match)).toBeNull();
    }
    // An unknown utilisation never matches a budget condition.
    expect(pick([{ match: { budget_used_pct: { gte: 0 } }, serve: 'small' }], { budgetUsedPct: null }).targets).toEqual(['big']);
  });

  it('evaluates in order: the first match wins, and says why', () => {
    const d = pick([{ name: 'a', match: { team: 'research' }, serve: 'small' }, { name: 'b', match: { team: 'platform', model: 'big' }, serve: 'mid' }, { match: {}, serve: 'small' }]);
    expect(d).toMatchObject({ rule: 1, ruleName: 'b', targets: ['mid'] });
    expect(d.reason).toBe('rule b matched on model=big, team=platform: serve mid');
    expect(pick([]).reason).toMatch(/no rule matched/);
    // As JSON (`tollgate routes test --json`): the decision's fields and its reason, nothing else.
    expect(JSON.parse(JSON.stringify(d))).toEqual({ rule: 1, ruleName: 'b', targets: ['mid'], cache: null, reason: 'rule b matched on model=big, team=platform: serve mid' });
    expect(JSON.parse(JSON.stringify(pick([])))).toEqual({ rule: null, ruleName: null, targets: ['big'], cache: null, reason: 'no rule matched: serve big as requested' });
    // Every condition a rule matched on is named, in order; the chain as chosen, even if the caller changes its targets.
    const all = pick(
      [{ name: 'all', match: { model: ['x', 'big'], key: 'k1', team: 'platform', user: 'ada', project: 'search', agent: 'planner', header: 'cheap', tags: ['batch'], prompt_tokens: { gt: 500 }, tools: true, images: false, budget_used_pct: { gte: 80 } }, fallback: ['mid', 'small'], cache: { ttl_seconds: 60, scope: 'key', max_entries: 5 } }],
      { header: 'cheap', hasTools: true, budgetUsedPct: 85.25 },
    );
    all.targets.pop();
    expect(all.reason).toBe('rule all matched on model=big, key=k1, team=platform, user=ada, project=search, agent=planner, header=cheap, tags⊇[batch], prompt≈1000 tokens, tools=true, images=false, budget used 85.3%: fallback mid -> small, cache 60s per key');
    expect(pick([{ match: {}, split: [{ model: 'mid', weight: 1 }, { model: 'small', weight: 3 }] }]).reason).toBe('rule #1 matched on everything: split mid:1/small:3 -> mid');
  });

  it('splits by weight within tolerance over 10,000 runs, sticky per run', () => {
    const rules = [{ match: {}, split: [{ model: 'big', weight: 1 }, { model: 'mid', weight: 3 }] }];
    const counts: Record<string, number> = { big: 0, mid: 0 };
    for (let i = 0; i < 10_000; i++) counts[pick(rules, { stickyKey: `run-${i}` }).targets[0]!]!++;
    expect(counts['big']! / 10_000).toBeGreaterThan(0.23);
    expect(counts['big']! / 10_000).toBeLessThan(0.27);
    for (let i = 0; i < 50; i++) expect(pick(rules, { stickyKey: 'run-7' }).targets).toEqual(pick(rules, { stickyKey: 'run-7' }).targets);
  });

  it('falls back along a chain and picks the cheapest model that satisfies the needs', () => {
    expect(pick([{ match: {}, fallback: ['big', 'mid', 'small'] }]).targets).toEqual(['big', 'mid', 'small']);
    expect(pick([{ match: {}, cheapest: { min_tier: 2 } }]).targets).toEqual(['mid']);
    expect(pick([{ match: {}, cheapest: {} }]).targets).toEqual(['small']);
    expect(pick([{ match: {}, cheapest: {} }], { hasTools: true }).targets).toEqual(['mid']);
    expect(pick([{ match: {}, cheapest: {} }], { hasImages: true }).targets).toEqual(['big']);
    expect(pick([{ match: {}, cheapest: {} }], { promptBytes: 4 * 150_000 }).targets).toEqual(['big']);
    // Nothing satisfies: the next rule decides.
    expect(pick([{ match: {}, cheapest: { min_tier: 9 } }, { match: {}, serve: 'mid' }]).targets).toEqual(['mid']);
  });

  it('picks the cheapest among the models of the call\'s kind: chat calls never go to an embedding model, nor embeddings to a chat one', () => {
    const config = configSchema.parse({
      providers: { p: { kind: 'openai', base_url: 'http://127.0.0.1:1' } },
      models: {
        'gpt-x': { provider: 'p', price: { input_per_mtok: 1, output_per_mtok: 4 } },
        'text-embedding-3-small': { provider: 'p', price: { input_per_mtok: 0.02, output_per_mtok: 0 } },
        // Named like neither: its kind is said in the config.
        'house-vectors': { provider: 'p', kind: 'embedding', price: { input_per_mtok: 0.01, output_per_mtok: 0 } },
      },
    });
    const all = Object.entries(config.models).map(([n, m]) => routeModel(n, m, configRates(m.price!)));
    expect(all.map((m) => [m.name, m.embedding])).toEqual([['gpt-x', false], ['text-embedding-3-small', true], ['house-vectors', true]]);
    const cheapest = (x: Partial<RouteInput>) => chooseRoute([rule({ match: {}, cheapest: {} })], all, { ...base, requested: 'gpt-x', ...x }).targets;
    expect(cheapest({})).toEqual(['gpt-x']);
    expect(cheapest({ hasTools: true })).toEqual(['gpt-x']);
    expect(cheapest({ embeddings: true })).toEqual(['house-vectors']);
  });

  it('refuses a rule with two actions, or none', () => {
    expect(() => rule({ match: {}, serve: 'a', fallback: ['b'] })).toThrow();
    expect(() => rule({ match: {} })).toThrow();
    expect(rule({ match: { tags: ['batch'] }, cache: { ttl_seconds: 60 } }).cache?.scope).toBe('team');
  });
});

describe('circuit breaker', () => {
  it('opens after N failures in a row, for the cooldown, and closes on success', () => {
    const cfg = { failures: 3, cooldownMs: 1000 };
    let s = recordResult(undefined, false, 0, cfg);
    s = recordResult(s, false, 1, cfg);
    expect(isOpen(s, 2)).toBe(false);
    s = recordResult(s, false, 2, cfg);
    expect(isOpen(s, 3)).toBe(true);
    expect(isOpen(s, 1002)).toBe(false);
    expect(recordResult(s, true, 1003, cfg)).toEqual({ failures: 0, openUntil: 0, probeUntil: 0 });
  });
});
