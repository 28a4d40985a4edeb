/**
 * Replay equals live, with paced budgets (injected clock, three days): calls sent through the gateway
 * to a `pace: block` budget and a `pace: downgrade` budget, then replayed from the ledger with the same
 * config, must give the same pacing blocks (which calls, which budget) and the same pacing downgrades
 * (which calls, served by which model), day after day as the allowance is recomputed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerPages, loadPolicy, replayPages, type CallOutcome } from '../../src/analytics/replay/index.js';
import { directive, startStack, type Stack } from './harness.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-11T09:00:00Z');
let clock = T0;

interface Sent {
  status: number;
  code: string | null;
  pacing: boolean;
  budget: string | null;
  callId: string | null;
  downgradedBy: string | null;
}

describe('replay equals live with paced budgets', () => {
  let s: Stack;
  const sent: Sent[] = [];

  async function chat(key: string, completion: number): Promise<Sent> {
    const body = { model: 'test-gpt', max_tokens: 200, messages: [{ role: 'user', content: directive({ completion_tokens: completion }, `step ${sent.length}`) }] };
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { error?: { code?: string; pacing?: boolean; budget?: { id?: string } } };
    const out = {
      status: res.status,
      code: json.error?.code ?? null,
      pacing: json.error?.pacing === true,
      budget: json.error?.budget?.id ?? null,
      callId: res.headers.get('x-tollgate-call-id'),
      downgradedBy: res.headers.get('x-tollgate-downgraded-by'),
    };
    sent.push(out);
    // Each call at its own simulated second: the live order is the ledger's (startedAt) order.
    clock += 1000;
    return out;
  }

  beforeAll(async () => {
    s = await startStack({
      now: () => clock,
      config: (base) => ({
        ...base,
        defaults: { key_budget: null, key_rate_limit: null, max_tokens: 300, min_clamp_tokens: 16 },
        // $0.20 a month, from the 11th: 20 days left, about $0.01 a day (a call costs up to about $0.002).
        budgets: [
          { scope: 'team:pacer', limit_usd: 0.2, period: 'month', pace: { action: 'block' } },
          { scope: 'team:slower', limit_usd: 0.2, period: 'month', pace: { action: 'downgrade', model: 'cheap-gpt' } },
        ],
        models: { ...(base['models'] as object), 'cheap-gpt': { provider: 'openai', price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } } },
      }),
    });
    const pacer = await s.createKey({ team: 'pacer' });
    const slower = await s.createKey({ team: 'slower' });
    for (let day = 0; day < 3; day++) {
      clock = T0 + day * DAY;
      // Answers of different lengths, so what fits today depends on what was spent (and on the day before).
      for (let i = 0; i < 12; i++) {
        await chat(pacer, 60 + ((i * 53 + day * 31) % 140));
        await chat(slower, 100 + ((i * 71 + day * 17) % 100));
      }
    }
  }, 60_000);
  afterAll(() => s.close());

  it('gives the same pacing blocks and pacing downgrades as the gateway did', async () => {
    const rows = (await s.calls()).filter((r) => r.attemptOf === null).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
    expect(rows.map((r) => r.id)).toEqual(sent.map((x) => x.callId));

    const policy = await loadPolicy(s.config);
    const report = await replayPages(ledgerPages(s.gw.deps.store, { pageSize: 5 }), policy, { outcomes: true });
    const byId = new Map<string, CallOutcome>(report.outcomes!.map((o) => [o.id, o]));

    const live = rows.map((r, i) => ({
      id: r.id,
      day: new Date(r.startedAt).toISOString().slice(0, 10),
      blocked: r.errorCode,
      pacing: sent[i]!.pacing,
      budget: sent[i]!.budget,
      model: r.errorCode === null ? r.servedModel : null,
      downgradedBy: sent[i]!.downgradedBy,
    }));
    const replayed = rows.map((r) => {
      const o = byId.get(r.id)!;
      const b = o.blockedBy;
      return {
        id: r.id,
        day: new Date(r.startedAt).toISOString().slice(0, 10),
        blocked: b === null ? null : b.kind === 'budget' ? 'budget_exceeded' : b.kind,
        pacing: b?.kind === 'budget' && b.pacing === true,
        budget: b?.kind === 'budget' ? b.budget : null,
        model: b === null ? o.model : null,
        downgradedBy: o.route?.startsWith('downgrade:') ? o.route.slice('downgrade:'.length) : null,
      };
    });
    expect(replayed).toEqual(live);

    // The scenario exercised pacing: blocks on each of the three days (admitting again each morning),
    // and downgrades to the pacing model, on more than one day.
    const blocks = live.filter((c) => c.pacing);
    expect(blocks.every((c) => c.budget === 'team:pacer/month' && c.blocked === 'budget_exceeded')).toBe(true);
    expect(new Set(blocks.map((c) => c.day)).size).toBe(3);
    for (const day of ['2026-11-11', '2026-11-12', '2026-11-13']) {
      const pacerDay = live.filter((c, i) => c.day === day && i % 2 === 0);
      expect(pacerDay[0]!.blocked).toBeNull();
      expect(pacerDay.some((c) => c.pacing)).toBe(true);
    }
    const downgrades = live.filter((c) => c.downgradedBy === 'team:slower/month');
    expect(downgrades.length).toBeGreaterThanOrEqual(3);
    expect(downgrades.every((c) => c.model === 'cheap-gpt')).toBe(true);
    expect(new Set(downgrades.map((c) => c.day)).size).toBeGreaterThanOrEqual(2);

    // The report's pacing section counts the same calls, per budget and day.
    expect(report.pacing.blockedCalls).toBe(blocks.length);
    expect(report.pacing.downgradedCalls).toBe(downgrades.length);
    expect(report.pacing.budgets.find((p) => p.budget === 'team:pacer/month')).toMatchObject({ scope: 'team:pacer', action: 'block', blockedCalls: blocks.length, days: 3 });
    expect(report.pacing.budgets.find((p) => p.budget === 'team:slower/month')).toMatchObject({ action: 'downgrade', downgradedCalls: downgrades.length });
    expect(report.spend.afterNanos).toBe(report.spend.beforeNanos);
  });
});
