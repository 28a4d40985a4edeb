/**
 * A budget past its downgrade threshold serves the cheaper model, and so reserves what the cheaper
 * model may cost: a call whose worst case at the requested model no longer fits what remains, but
 * fits at the downgrade model's, is served by the cheaper model instead of refused. Replay decides
 * the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerPages, loadPolicy, replayPages } from '../../src/analytics/replay/index.js';
import { directive, startStack, type Stack } from './harness.js';

interface Sent {
  status: number;
  code: string | null;
  message: string;
  model: string | null;
  downgradedBy: string | null;
  callId: string | null;
}

describe('a budget downgrade saves a call that fits only at the cheaper model', () => {
  let s: Stack;
  let key: string;

  beforeAll(async () => {
    s = await startStack({
      config: (base) => ({
        ...base,
        defaults: { key_budget: null, key_rate_limit: null, max_tokens: 256, min_clamp_tokens: 16 },
        budgets: [{ scope: 'team:fit', limit_usd: 0.01, period: 'month', downgrade: { at_pct: 50, model: 'small-gpt' } }],
        models: {
          ...(base['models'] as object),
          'big-gpt': { provider: 'openai', price: { input_per_mtok: 10, output_per_mtok: 30 } },
          'small-gpt': { provider: 'openai', price: { input_per_mtok: 1, output_per_mtok: 2 } },
        },
      }),
    });
    key = await s.createKey({ team: 'fit' });
  });
  afterAll(() => s.close());

  async function chat(maxTokens: number, d: Record<string, unknown>, text: string): Promise<Sent> {
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'big-gpt', max_tokens: maxTokens, messages: [{ role: 'user', content: directive(d, text) }] }),
    });
    const body = (await res.json()) as { model?: string; error?: { code?: string; message?: string } };
    const out = {
      status: res.status,
      code: body.error?.code ?? null,
      message: body.error?.message ?? '',
      model: body.model ?? null,
      downgradedBy: res.headers.get('x-tollgate-downgraded-by'),
      callId: res.headers.get('x-tollgate-call-id'),
    };
    // Each call's ledger row is written before the next starts: replay sees the live order.
    await s.waitForCall(out.callId!);
    return out;
  }

  it('serves the cheaper model when only its worst case fits, refuses when neither fits, and replay agrees', async () => {
    // $0.001 of prompt and $0.006 of output: 70% of the $0.01 spent, $0.003 left.
    const first = await chat(200, { prompt_tokens: 100, completion_tokens: 200 }, 'Write the first draft.');
    expect(first.status).toBe(200);
    expect(first.model).toBe('big-gpt');
    // Past 50%: big-gpt's worst case (200 output tokens at $30/M, $0.006, and the prompt) does not fit
    // the $0.003 left; small-gpt's (about $0.0006) does.
    const saved = await chat(200, { prompt_tokens: 100, completion_tokens: 50 }, 'Tighten the draft.');
    expect(saved.status).toBe(200);
    expect(saved.model).toBe('small-gpt');
    expect(saved.downgradedBy).toBe('team:fit/month');
    // 2,000 output tokens: small-gpt's worst case ($0.004 and the prompt) does not fit either.
    const refused = await chat(2000, { prompt_tokens: 100, completion_tokens: 50 }, 'Rewrite it at length.');
    expect(refused.status).toBe(402);
    expect(refused.code).toBe('budget_exceeded');

    await s.gw.deps.recorder.flush();
    const rows = (await s.calls()).filter((r) => r.attemptOf === null).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
    expect(rows.map((r) => r.id)).toEqual([first.callId, saved.callId, refused.callId]);
    expect(rows.map((r) => `${r.requestedModel}>${r.servedModel}:${r.errorCode ?? 'ok'}`)).toEqual(['big-gpt>big-gpt:ok', 'big-gpt>small-gpt:ok', 'big-gpt>big-gpt:budget_exceeded']);

    const policy = await loadPolicy(s.config);
    const report = await replayPages(ledgerPages(s.gw.deps.store, { pageSize: 10 }), policy, { outcomes: true });
    const byId = new Map(report.outcomes!.map((o) => [o.id, o]));
    const replayed = rows.map((r) => {
      const o = byId.get(r.id)!;
      return o.blockedBy === null ? `served:${o.model ?? '-'}` : `blocked:${o.blockedBy.kind === 'budget' ? o.blockedBy.budget : o.blockedBy.kind}`;
    });
    expect(replayed).toEqual(['served:big-gpt', 'served:small-gpt', 'blocked:team:fit/month']);
  });
});
