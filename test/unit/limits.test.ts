import { describe, expect, it } from 'vitest';
import { clampOutput, planLimits } from '../../src/policy/limits.js';
import type { BudgetRecord } from '../../src/storage/types.js';
import { mergeAnthropicUsage } from '../../src/providers/anthropic/usage.js';
import { emptyUsage } from '../../src/pricing/usage.js';
import { unseenPromptTokens } from '../../src/pipeline/reserve.js';
import { webSearchBound } from '../../src/pipeline/server-tools.js';
import { DEFAULT_IMAGE_TOKENS, imageTokenBound } from '../../src/pricing/image-tokens.js';

const budget = (scope: string, usd: number, source: BudgetRecord['source'] = 'api', extra: Partial<BudgetRecord> = {}): BudgetRecord => ({
  id: `${scope}/month`, scope, period: 'month', limitNanos: usd * 1e9, limitTokens: null, alertAt: [], downgrade: null, clamp: false, source, createdAt: 0, ...extra,
});
const scopes = { org: 'acme', team: 'platform', user: null, project: null, keyId: 'k1', tags: [], run: null, unlimited: false };

function plan(budgets: BudgetRecord[], unlimited = false) {
  const byScope = new Map<string, BudgetRecord[]>();
  for (const b of budgets) byScope.set(b.scope, [...(byScope.get(b.scope) ?? []), b]);
  return planLimits({ scopes: { ...scopes, unlimited }, budgetsByScope: byScope, rateLimitsByScope: new Map(), defaultRateLimit: null, demand: { worstNanos: 5, worstTokens: 7 }, timezone: 'UTC', now: Date.parse('2026-11-25T10:00:00Z') });
}

describe('limit planning', () => {
  it('names a budget created again a new counter, and keeps an edited one (same creation time) on its own', () => {
    const first = plan([budget('team:platform', 5, 'api', { createdAt: 1000 })]);
    const edited = plan([budget('team:platform', 9, 'api', { createdAt: 1000 })]);
    const recreated = plan([budget('team:platform', 5, 'api', { createdAt: 2000 })]);
    expect(edited[0]!.key).toBe(first[0]!.key);
    expect(recreated[0]!.key).not.toBe(first[0]!.key);
  });

  it('counts a wildcard budget and an explicit one on the same scope separately', () => {
    const limits = plan([budget('key:*', 50, 'default'), budget('key:k1', 10)]);
    expect(limits.map((l) => l.key)).toEqual(['b:key:k1/month@0:key:k1:2026-11', 'b:key:*/month@0:key:k1:2026-11']);
    expect(limits.map((l) => l.limit)).toEqual([10e9, 50e9]);
  });

  it("counts a run's budgets and rate limits per team: the same run id of two teams has two counters", () => {
    const byScope = new Map<string, BudgetRecord[]>([['run:*', [budget('run:*', 5)]], ['run:r1', [budget('run:r1', 2)]]]);
    const rates = new Map([['run:*', [{ scope: 'run:*', rpm: 10 }]]]);
    const planFor = (team: string) =>
      planLimits({ scopes: { ...scopes, team, run: 'r1' }, budgetsByScope: byScope, rateLimitsByScope: rates, defaultRateLimit: null, demand: { worstNanos: 5, worstTokens: 7 }, timezone: 'UTC', now: Date.parse('2026-11-25T10:00:00Z') }).filter((l) => l.scope === 'run:r1');
    const a = planFor('alpha');
    const b = planFor('be:ta');
    expect(a.map((l) => l.key)).toEqual(['b:run:r1/month@0:run:alpha/r1:2026-11', 'b:run:*/month@0:run:alpha/r1:2026-11', `r:run:alpha/r1:rpm:${Math.floor(Date.parse('2026-11-25T10:00:00Z') / 60_000)}`]);
    expect(b.map((l) => l.key)).toEqual(a.map((l) => l.key.replace('run:alpha/', 'run:be%3Ata/')));
    // The budget is named as configured; the ledger match for seeding is the run and its team.
    expect(a.map((l) => [l.scope, l.team])).toEqual([['run:r1', 'alpha'], ['run:r1', 'alpha'], ['run:r1', 'alpha']]);
    expect(plan([budget('team:platform', 5)])[0]!.team).toBeUndefined();
  });

  it('counts a request once when a wildcard and an explicit rate limit share a counter, against the tighter limit', () => {
    const rates = new Map([
      ['key:*', [{ scope: 'key:*', rpm: 600, concurrent: 4 }]],
      ['key:k1', [{ scope: 'key:k1', rpm: 60, tpm: 1000 }]],
    ]);
    const limits = planLimits({ scopes, budgetsByScope: new Map(), rateLimitsByScope: rates, defaultRateLimit: null, demand: { worstNanos: 5, worstTokens: 7 }, timezone: 'UTC', now: Date.parse('2026-11-25T10:00:00Z') });
    const minute = Math.floor(Date.parse('2026-11-25T10:00:00Z') / 60_000);
    expect(limits.map((l) => [l.key, l.limit])).toEqual([
      [`r:key:k1:rpm:${minute}`, 60],
      [`r:key:k1:tpm:${minute}`, 1000],
      ['r:key:k1:conc', 4],
    ]);
  });

  it('exempts unlimited keys from default budgets only', () => {
    expect(plan([budget('key:*', 50, 'default'), budget('team:platform', 5)], true).map((l) => l.scope)).toEqual(['team:platform']);
  });

  it('clamps to what the tightest clampable budget leaves, or refuses', () => {
    const limits = plan([budget('team:platform', 1, 'api', { clamp: true })]).map((l) => ({ ...l, amount: 2e9 }));
    const before = [{ used: 0.5e9, reserved: 0.1e9 }];
    expect(clampOutput({ limits, before, inputWorstNanos: 0.1e9, outputNanosPerToken: 1e6, promptTokens: 0, minTokens: 16, requested: 4000 })).toBe(300);
    expect(clampOutput({ limits, before: [{ used: 0.99e9, reserved: 0 }], inputWorstNanos: 0.005e9, outputNanosPerToken: 1e6, promptTokens: 0, minTokens: 16, requested: 4000 })).toBeNull();
    const strict = plan([budget('team:platform', 1)]).map((l) => ({ ...l, amount: 2e9 }));
    expect(clampOutput({ limits: strict, before, inputWorstNanos: 0, outputNanosPerToken: 1e6, promptTokens: 0, minTokens: 16, requested: 4000 })).toBeNull();
  });

  it('clamps on a token budget (limit_tokens) too: the prompt bound and the output fit what remains', () => {
    const tokens = (clamp: boolean) => plan([budget('team:platform', 100, 'api', { clamp, limitTokens: 5_000 })]).map((l) => ({ ...l, amount: l.kind === 'budget_tokens' ? 120 + 4_096 : 1e6 }));
    const before = [{ used: 0, reserved: 0 }, { used: 3_000, reserved: 100 }];
    const args = { before, inputWorstNanos: 1e3, outputNanosPerToken: 1e2, promptTokens: 120, minTokens: 16, requested: 4_096 };
    expect(tokens(true).map((l) => l.kind)).toEqual(['budget_usd', 'budget_tokens']);
    // 5,000 - 3,100 spent or held = 1,900, of which the prompt may take 120.
    expect(clampOutput({ ...args, limits: tokens(true) })).toBe(1_780);
    expect(clampOutput({ ...args, limits: tokens(false) })).toBeNull();
    expect(clampOutput({ ...args, limits: tokens(true), before: [before[0]!, { used: 4_880, reserved: 0 }] })).toBeNull();
    // The USD counter's clamp still applies beside it: the tighter wins.
    const both = tokens(true).map((l) => (l.kind === 'budget_usd' ? { ...l, limit: 1e6 } : l));
    expect(clampOutput({ ...args, limits: both, before: [{ used: 1e6 - 1e3 - 500 * 1e2, reserved: 0 }, before[1]!] })).toBe(500);
  });

  it('bounds the prompt of images, files and tools beyond their bytes', () => {
    expect(unseenPromptTokens({ messages: [{ role: 'user', content: 'hi' }] })).toBe(0);
    const withImage = { tools: [{}], messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'document', source: {} }] }] };
    expect(unseenPromptTokens(withImage)).toBe(1_000 + 3_000 + 100_000);
    expect(unseenPromptTokens(withImage, 48_169)).toBe(1_000 + 48_169 + 100_000);
  });

  it("bounds server tools' results: each allowed web search and web fetch, billed as input", () => {
    const search = (extra: object = {}) => ({ type: 'web_search_20250305', name: 'web_search', ...extra });
    const msg = { messages: [{ role: 'user', content: 'hi' }] };
    expect(unseenPromptTokens({ ...msg, tools: [search({ max_uses: 2 })] })).toBe(1_000 + 2 * 25_000);
    expect(unseenPromptTokens({ ...msg, tools: [search()] })).toBe(1_000 + 20 * 25_000);
    expect(unseenPromptTokens({ ...msg, tools: [search({ max_uses: 3 })] }, 3_000, 8_000)).toBe(1_000 + 3 * 8_000);
    const fetchTool = (extra: object = {}) => ({ type: 'web_fetch_20250910', name: 'web_fetch', ...extra });
    expect(unseenPromptTokens({ ...msg, tools: [fetchTool({ max_uses: 2, max_content_tokens: 5_000 })] })).toBe(1_000 + 2 * 5_000);
    expect(unseenPromptTokens({ ...msg, tools: [fetchTool({ max_uses: 1 })] })).toBe(1_000 + 100_000);
    expect(unseenPromptTokens({ ...msg, tools: [search({ max_uses: 1 }), fetchTool({ max_uses: 1, max_content_tokens: 10 }), { name: 'f', input_schema: {} }] })).toBe(1_000 + 25_000 + 10);
    // The Responses API's web search tool has no max_uses.
    expect(unseenPromptTokens({ input: 'hi', tools: [{ type: 'web_search' }] })).toBe(1_000 + 20 * 25_000);
    expect(webSearchBound({ tools: [search({ max_uses: 2 }), fetchTool({ max_uses: 9 })] })).toBe(2);
  });

  it('bounds each stored item a Responses input references (item_reference) like stored context', () => {
    const ref = { type: 'item_reference', id: 'msg_1' };
    expect(unseenPromptTokens({ input: [ref, { role: 'user', content: 'go on' }] })).toBe(100_000);
    expect(unseenPromptTokens({ input: [ref, { ...ref, id: 'msg_2' }, { role: 'user', content: 'go on' }] })).toBe(200_000);
    expect(unseenPromptTokens({ previous_response_id: 'resp_1', input: [ref] })).toBe(200_000);
  });

  it("knows the models whose images cost more than the default bound", () => {
    expect(imageTokenBound('gpt-4o-mini')).toBe(48_169);
    expect(imageTokenBound('gpt-4o-mini-2024-07-18')).toBe(48_169);
    expect(imageTokenBound('gpt-4.1-nano')).toBe(3_779);
    expect(imageTokenBound('gpt-4o')).toBe(DEFAULT_IMAGE_TOKENS);
    expect(imageTokenBound('claude-sonnet-4-5')).toBe(DEFAULT_IMAGE_TOKENS);
  });

  it('bounds images and files a tool returned: inside an Anthropic tool_result, a Responses function_call_output', () => {
    const image = { type: 'image', source: { type: 'url', url: 'https://x/y.png' } };
    const anthropic = { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [image, image, { type: 'document', source: {} }] }] }] };
    expect(unseenPromptTokens(anthropic)).toBe(2 * 3_000 + 100_000);
    const responses = { input: [{ type: 'function_call_output', call_id: 'c1', output: [{ type: 'input_image', image_url: 'https://x/y.png' }, { type: 'input_file', file_id: 'f' }] }] };
    expect(unseenPromptTokens(responses)).toBe(3_000 + 100_000);
  });
});

describe('Anthropic usage deltas', () => {
  it('keeps the prompt side when message_delta repeats it as null', () => {
    const u = emptyUsage();
    mergeAnthropicUsage(u, { input_tokens: 1000, cache_read_input_tokens: 5000, cache_creation_input_tokens: 200, output_tokens: 1 });
    mergeAnthropicUsage(u, { input_tokens: null, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 50 });
    expect(u).toEqual({ input: 1000, cachedInput: 5000, cacheWrite5m: 200, cacheWrite1h: 0, output: 50, reasoning: 0 });
  });
});
