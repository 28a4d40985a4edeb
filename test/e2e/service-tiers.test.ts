/**
 * Service tiers end to end: a call is priced at the rates of the tier the provider says served it
 * (OpenAI `service_tier`, Anthropic `usage.service_tier`), streamed or not, and a request that may be
 * served on a dearer tier reserves at that tier's rates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

// Test prices (not any provider's): priority at twice the standard rates, flex at half.
const GPT = { input: 1.25, cached: 0.125, output: 10 };
const GPT_TIERS = { priority: { input: 2.5, cached: 0.25, output: 20 }, flex: { input: 0.625, cached: 0.0625, output: 5 } };
const CLAUDE = { input: 3, cached: 0.3, output: 15 };
const CLAUDE_PRIORITY = { input: 6, cached: 0.6, output: 30 };

const toPrice = (r: { input: number; cached: number; output: number }): Record<string, number> => ({
  input_per_mtok: r.input,
  cached_input_per_mtok: r.cached,
  output_per_mtok: r.output,
});

beforeAll(async () => {
  s = await startStack({
    config: (base) => {
      const models = base['models'] as Record<string, unknown>;
      return {
        ...base,
        models: {
          ...models,
          'tier-gpt': { provider: 'openai', price: { ...toPrice(GPT), service_tiers: { priority: toPrice(GPT_TIERS.priority), flex: toPrice(GPT_TIERS.flex) } } },
          'tier-claude': { provider: 'anthropic', price: { ...toPrice(CLAUDE), service_tiers: { priority: toPrice(CLAUDE_PRIORITY) } } },
        },
        budgets: [{ scope: 'team:tight', limit_usd: 0.015, period: 'day' }],
      };
    },
  });
  key = await s.createKey({ team: 'tiers', unlimited: true });
});
afterAll(() => s.close());

const nanos = (r: { input: number; cached: number; output: number }, u: { input: number; cached: number; output: number }): number =>
  Math.round((u.input * r.input + u.cached * r.cached + u.output * r.output) * 1000);

// 1,200 prompt tokens of which 1,000 cached, 300 generated.
const d = { prompt_tokens: 1200, cached_tokens: 1000, completion_tokens: 300 };
const used = { input: 200, cached: 1000, output: 300 };

async function costOf(callId: string | null): Promise<number> {
  expect(callId).toMatch(/^call_/);
  return (await s.waitForCall(callId!)).costNanos;
}

type Tier = 'priority' | 'flex' | 'scale' | 'default' | 'auto';

describe('OpenAI chat completions', () => {
  const chat = async (tier: Tier | undefined, stream: boolean, extra: Record<string, unknown> = {}): Promise<number> => {
    const client = s.openai(key);
    const messages = [{ role: 'user' as const, content: directive({ ...d, ...extra }) }];
    const tierParam = tier === undefined ? {} : { service_tier: tier };
    if (!stream) {
      const { data, response } = await client.chat.completions.create({ model: 'tier-gpt', messages, ...tierParam }).withResponse();
      expect(data.service_tier).toBe(extra['service_tier'] ?? (tier === undefined || tier === 'auto' ? 'default' : tier));
      return costOf(response.headers.get('x-tollgate-call-id'));
    }
    const { data, response } = await client.chat.completions.create({ model: 'tier-gpt', messages, stream: true, ...tierParam }).withResponse();
    for await (const chunk of data) void chunk;
    return costOf(response.headers.get('x-tollgate-call-id'));
  };

  for (const stream of [false, true]) {
    const how = stream ? 'streamed' : 'not streamed';
    it(`prices a priority call at priority rates and a flex call at flex rates (${how})`, async () => {
      expect(await chat('priority', stream)).toBe(nanos(GPT_TIERS.priority, used));
      expect(await chat('flex', stream)).toBe(nanos(GPT_TIERS.flex, used));
    });

    it(`prices the standard tier, and a tier nobody priced, at the standard rates (${how})`, async () => {
      expect(await chat(undefined, stream)).toBe(nanos(GPT, used));
      expect(await chat('default', stream)).toBe(nanos(GPT, used));
      expect(await chat('scale', stream)).toBe(nanos(GPT, used));
    });

    it(`prices what the provider served, not what was asked: a priority request served on default (${how})`, async () => {
      expect(await chat('priority', stream, { service_tier: 'default' })).toBe(nanos(GPT, used));
    });
  }

  it('a priority stream cut before its usage is estimated at priority rates', async () => {
    const cut = async (tier: Tier): Promise<{ cost: number; estimated: boolean }> => {
      const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tier-gpt', stream: true, service_tier: tier, messages: [{ role: 'user', content: directive({ completion_tokens: 40, error_after_tokens: 10 }) }] }),
      });
      await res.text();
      const row = await s.waitForCall(res.headers.get('x-tollgate-call-id')!);
      return { cost: row.costNanos, estimated: row.estimated };
    };
    const standard = await cut('default');
    const priority = await cut('priority');
    expect(standard.estimated && priority.estimated).toBe(true);
    expect(standard.cost).toBeGreaterThan(0);
    // Same prompt, same words generated: priority rates are exactly twice the standard ones.
    expect(priority.cost).toBe(2 * standard.cost);
  });
});

describe('OpenAI Responses API', () => {
  const respond = async (tier: Tier | undefined, stream: boolean, metadata?: Record<string, string>): Promise<number> => {
    const body = { model: 'tier-gpt', input: directive(d), ...(tier ? { service_tier: tier } : {}), ...(metadata ? { metadata } : {}) };
    const client = s.openai(key);
    if (!stream) {
      const { response } = await client.responses.create(body).withResponse();
      return costOf(response.headers.get('x-tollgate-call-id'));
    }
    const { data, response } = await client.responses.create({ ...body, stream: true }).withResponse();
    for await (const event of data) void event;
    return costOf(response.headers.get('x-tollgate-call-id'));
  };

  for (const stream of [false, true]) {
    const how = stream ? 'streamed' : 'not streamed';
    it(`prices priority and flex at their rates, default at the standard rates (${how})`, async () => {
      expect(await respond('priority', stream)).toBe(nanos(GPT_TIERS.priority, used));
      expect(await respond('flex', stream)).toBe(nanos(GPT_TIERS.flex, used));
      expect(await respond(undefined, stream)).toBe(nanos(GPT, used));
    });
  }

  it("is not fooled by a client's metadata naming a cheaper tier (the response echoes it after its own service_tier)", async () => {
    expect(await respond(undefined, false, { service_tier: 'flex' })).toBe(nanos(GPT, used));
    expect(await respond('priority', false, { service_tier: 'flex' })).toBe(nanos(GPT_TIERS.priority, used));
  });
});

describe('Anthropic messages', () => {
  // Anthropic serves Priority Tier to organisations with capacity for it; the mock plays that with a directive.
  const message = async (served: string | undefined, stream: boolean): Promise<number> => {
    const content = directive({ ...d, ...(served ? { service_tier: served } : {}) });
    const client = s.anthropic(key);
    const params = { model: 'tier-claude', max_tokens: 1024, messages: [{ role: 'user' as const, content }] };
    if (!stream) {
      const { data, response } = await client.messages.create(params).withResponse();
      expect(data.usage.service_tier).toBe(served ?? 'standard');
      return costOf(response.headers.get('x-tollgate-call-id'));
    }
    const { data, response } = await client.messages.create({ ...params, stream: true }).withResponse();
    for await (const event of data) void event;
    return costOf(response.headers.get('x-tollgate-call-id'));
  };

  for (const stream of [false, true]) {
    const how = stream ? 'streamed' : 'not streamed';
    it(`prices a call served on Priority Tier at priority rates, standard at standard rates (${how})`, async () => {
      expect(await message('priority', stream)).toBe(nanos(CLAUDE_PRIORITY, used));
      expect(await message(undefined, stream)).toBe(nanos(CLAUDE, used));
      expect(await message('batch', stream)).toBe(nanos(CLAUDE, used));
    });
  }
});

describe('the worst-case reservation', () => {
  // $0.015 a day; max_tokens 1,000: the worst case is about $0.010 at standard rates, $0.020 at priority rates.
  it('reserves at the priority rates when the request may be served on priority', async () => {
    const tight = await s.createKey({ team: 'tight' });
    const call = (tier: Tier | undefined): Promise<Response> =>
      fetch(`${s.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tight}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tier-gpt', max_tokens: 1000, ...(tier ? { service_tier: tier } : {}), messages: [{ role: 'user', content: directive({ prompt_tokens: 10, completion_tokens: 5 }) }] }),
      });
    const status = async (tier: Tier | undefined): Promise<{ status: number; code: unknown }> => {
      const res = await call(tier);
      const body = (await res.json()) as { error?: { code?: unknown } };
      return { status: res.status, code: body.error?.code ?? null };
    };
    expect(await status('default')).toEqual({ status: 200, code: null });
    expect(await status('flex')).toEqual({ status: 200, code: null });
    expect(await status('priority')).toEqual({ status: 402, code: 'budget_exceeded' });
    // Without a tier (or with auto) the provider picks, from the account's settings: every priced tier counts.
    expect(await status(undefined)).toEqual({ status: 402, code: 'budget_exceeded' });
    expect(await status('auto')).toEqual({ status: 402, code: 'budget_exceeded' });
  });
});
