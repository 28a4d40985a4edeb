import { describe, expect, it } from 'vitest';
import type { RateLimitConfig } from '../../src/config/schema.js';
import { planLimits } from '../../src/policy/limits.js';
import { PlanCache, type PlanAttribution, type PlanPolicy } from '../../src/policy/plan-cache.js';
import type { BudgetRecord } from '../../src/storage/types.js';

const budget = (scope: string, period: BudgetRecord['period'], extra: Partial<BudgetRecord> = {}): BudgetRecord => ({
  id: `${scope}/${period}`, scope, period, limitNanos: 10e9, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source: 'api', createdAt: 0, pace: null, ...extra,
});

const budgets = [
  budget('org', 'month'),
  budget('team:platform', 'day', { limitTokens: 1_000_000 }),
  budget('key:*', 'week', { source: 'default' }),
  budget('tag:batch', 'month', { pace: { action: 'block', model: null } }),
  budget('user:ana', 'none'),
  // A run's budget counts each team's run apart: its limits carry the team (seeding reads it).
  budget('run:*', 'none'),
];
const rateLimits: RateLimitConfig[] = [{ scope: 'team:platform', rpm: 60, tpm: 10_000, concurrent: 4 }];

function policy(): PlanPolicy {
  const byScope = new Map<string, BudgetRecord[]>();
  for (const b of budgets) byScope.set(b.scope, [...(byScope.get(b.scope) ?? []), b]);
  const rl = new Map<string, RateLimitConfig[]>();
  for (const r of rateLimits) rl.set(r.scope, [...(rl.get(r.scope) ?? []), r]);
  return { org: 'acme', timezone: 'Europe/Paris', budgetsByScope: byScope, rateLimitsByScope: rl, defaultRateLimit: { rpm: 600 } };
}

function direct(p: PlanPolicy, a: PlanAttribution, unlimited: boolean, now: number, worstNanos: number, worstTokens: number) {
  return planLimits({
    scopes: { org: p.org, team: a.team, user: a.user, project: a.project, keyId: a.keyId, tags: a.tags ? a.tags.split(',') : [], run: a.run, unlimited },
    budgetsByScope: p.budgetsByScope,
    rateLimitsByScope: p.rateLimitsByScope,
    defaultRateLimit: p.defaultRateLimit,
    demand: { worstNanos, worstTokens },
    timezone: p.timezone,
    now,
  });
}

describe('PlanCache', () => {
  it("answers exactly planLimits' plan across attributions, minutes, days, weeks and months", () => {
    const p = policy();
    const cache = new PlanCache(p);
    const who: [PlanAttribution, boolean][] = [
      [{ team: 'platform', keyId: 'k1', user: 'ana', project: null, tags: 'batch,eu', run: null }, false],
      [{ team: 'platform', keyId: 'k1', user: null, project: null, tags: null, run: 'r1' }, false],
      [{ team: 'search', keyId: 'k2', user: 'bob', project: 'p', tags: 'batch', run: null }, true],
      [{ team: 'search', keyId: 'k2', user: null, project: null, tags: null, run: 'r1' }, false],
    ];
    // Across a minute, local midnight (Paris), a Monday and a month's end, in uneven steps.
    let now = Date.parse('2026-11-29T22:58:30Z');
    const end = Date.parse('2026-12-01T00:02:00Z');
    let i = 0;
    while (now < end) {
      for (const [a, unlimited] of who) {
        const worst = 1000 + i;
        expect(cache.limitsFor(a, unlimited, true, now, worst, worst * 2)).toEqual(direct(p, a, unlimited, now, worst, worst * 2));
      }
      now += 17_000 + (i++ % 7) * 60_000 * 13;
    }
    expect(i).toBeGreaterThan(30);
  });

  it('gives fresh objects the caller may change', () => {
    const p = policy();
    const cache = new PlanCache(p);
    const a: PlanAttribution = { team: 'platform', keyId: 'k1', user: null, project: null, tags: 'batch', run: null };
    const now = Date.parse('2026-11-25T10:00:00Z');
    const first = cache.limitsFor(a, false, true, now, 5, 7);
    for (const l of first) {
      l.amount = 99;
      l.limit = 1;
      if (l.pace) l.pace.allowance = 3;
    }
    expect(cache.limitsFor(a, false, true, now, 5, 7)).toEqual(direct(p, a, false, now, 5, 7));
  });

  it("refills an earlier answer handed back (into) to exactly planLimits' plan, whatever kinds it held", () => {
    const p = policy();
    const cache = new PlanCache(p);
    const who: PlanAttribution[] = [
      { team: 'platform', keyId: 'k1', user: 'ana', project: null, tags: 'batch,eu', run: null },
      { team: 'platform', keyId: 'k1', user: null, project: null, tags: null, run: 'r1' },
      { team: 'search', keyId: 'k2', user: null, project: null, tags: null, run: null },
    ];
    let now = Date.parse('2026-11-29T22:58:30Z');
    // One array handed back call after call, changed by its caller in between (as a limiter does):
    // its limits are of other kinds, pace or team from one attribution to the next.
    let held = cache.limitsFor(who[0]!, false, true, now, 1, 2);
    for (let i = 0; i < 40; i++) {
      for (const l of held) {
        l.amount = -1;
        if (l.pace) l.pace.allowance = 3;
      }
      const a = who[i % who.length]!;
      now += 7_000 + (i % 5) * 3_600_000;
      const refilled = cache.limitsFor(a, i % 4 === 3, true, now, 100 + i, 200 + i, held);
      expect(refilled).toBe(held);
      expect(refilled).toEqual(direct(p, a, i % 4 === 3, now, 100 + i, 200 + i));
      held = refilled;
    }
  });
});
