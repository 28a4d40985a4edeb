/** Service tiers: per-tier rates in the price book, and where each provider says which tier served a call. */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { configRates, costOf, ratesForTier, worstCaseNanos } from '../../src/pricing/price-book.js';
import { emptyUsage, type TokenUsage } from '../../src/pricing/usage.js';
import { topLevelString } from '../../src/providers/json-slice.js';
import { openaiAdapter } from '../../src/providers/openai/index.js';
import { anthropicAdapter } from '../../src/providers/anthropic/index.js';

const u = (p: Partial<TokenUsage>): TokenUsage => ({ ...emptyUsage(), ...p });

// Test prices, not any provider's: standard, a dearer tier and a cheaper one.
const price = {
  input_per_mtok: 1.25,
  output_per_mtok: 10,
  cached_input_per_mtok: 0.125,
  service_tiers: {
    priority: { input_per_mtok: 2.5, output_per_mtok: 20, cached_input_per_mtok: 0.25 },
    flex: { input_per_mtok: 0.625, output_per_mtok: 5 },
  },
};
const rates = configRates(price);
const usage = u({ input: 1000, cachedInput: 2000, output: 300, reasoning: 100 });

describe('price book: service tiers', () => {
  it('prices a call at the rates of the tier that served it', () => {
    expect(costOf(ratesForTier(rates, null), usage)).toBe(Math.round((1000 * 1.25 + 2000 * 0.125 + 400 * 10) * 1000));
    expect(costOf(ratesForTier(rates, 'priority'), usage)).toBe(Math.round((1000 * 2.5 + 2000 * 0.25 + 400 * 20) * 1000));
    // A tier's optional classes default within the tier: flex cached input = flex input, not the standard cached rate.
    expect(costOf(ratesForTier(rates, 'flex'), usage)).toBe(Math.round((3000 * 0.625 + 400 * 5) * 1000));
  });

  it('prices a tier nobody priced, the standard tier and odd names at the standard rates', () => {
    const standard = costOf(rates, usage);
    for (const tier of ['default', 'standard', 'scale', 'constructor', '__proto__', 'toString']) {
      expect(costOf(ratesForTier(rates, tier), usage)).toBe(standard);
    }
    expect(configRates({ input_per_mtok: 1, output_per_mtok: 2 }).serviceTiers).toBeUndefined();
    expect(configRates({ input_per_mtok: 1, output_per_mtok: 2, service_tiers: {} }).serviceTiers).toBeUndefined();
  });

  it('reserves at the tier the request names when it costs more, at standard otherwise', () => {
    const standard = worstCaseNanos(configRates({ input_per_mtok: 1.25, output_per_mtok: 10, cached_input_per_mtok: 0.125 }), 1000, 500);
    const priority = worstCaseNanos(rates, 1000, 500, 'priority');
    expect(priority.total).toBe(Math.ceil(1000 * 2.5 * 1000) + Math.ceil(500 * 20 * 1000));
    expect(priority.outputPerToken).toBe(20_000);
    for (const asked of ['flex', 'default', 'scale', 'standard_only']) expect(worstCaseNanos(rates, 1000, 500, asked)).toEqual(standard);
  });

  it('reserves at the dearest priced tier when the request lets the provider pick (absent or auto)', () => {
    const priority = worstCaseNanos(rates, 1000, 500, 'priority');
    expect(worstCaseNanos(rates, 1000, 500)).toEqual(priority);
    expect(worstCaseNanos(rates, 1000, 500, 'auto')).toEqual(priority);
    expect(worstCaseNanos(rates, 1000, 500, 42)).toEqual(priority);
    // Only cheaper tiers priced: nothing changes.
    const flexOnly = configRates({ input_per_mtok: 1.25, output_per_mtok: 10, service_tiers: { flex: { input_per_mtok: 0.625, output_per_mtok: 5 } } });
    expect(worstCaseNanos(flexOnly, 1000, 500)).toEqual(worstCaseNanos(configRates({ input_per_mtok: 1.25, output_per_mtok: 10 }), 1000, 500));
  });
});

describe('config: service tier prices', () => {
  const parse = (p: unknown): ReturnType<typeof configSchema.safeParse> =>
    configSchema.safeParse({ providers: { o: { kind: 'openai', base_url: 'http://127.0.0.1:1' } }, models: { m: { provider: 'o', price: p } } });
  const messages = (p: unknown): string[] => {
    const r = parse(p);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('takes a whole price per tier', () => {
    expect(parse(price).success).toBe(true);
  });

  it('refuses incomplete tier prices, unknown fields and names the provider never reports, readably', () => {
    expect(messages({ ...price, service_tiers: { flex: { input_per_mtok: 0.6 } } })).toEqual(['models.m.price.service_tiers.flex.output_per_mtok: Invalid input: expected number, received undefined']);
    expect(messages({ ...price, service_tiers: { flex: { input_per_mtok: 0.6, output_per_mtok: 5, service_tiers: {} } } })[0]).toContain('service_tiers');
    expect(messages({ ...price, service_tiers: { Priority: price.service_tiers.priority } })[0]).toMatch(/^models\.m\.price\.service_tiers\.Priority: "Priority" is not a service tier name/);
    expect(messages({ ...price, service_tiers: { auto: price.service_tiers.priority } })[0]).toMatch(/auto is not a tier/);
  });
});

describe('topLevelString', () => {
  const b = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

  it('reads a top-level string field near the end of a body', () => {
    expect(topLevelString(b({ id: 'x', choices: [], usage: { prompt_tokens: 1 }, service_tier: 'priority', system_fingerprint: 'fp' }), 'service_tier')).toBe('priority');
    expect(topLevelString(b('{ "a" : 1 ,\n "service_tier" :\t "flex" }'), 'service_tier')).toBe('flex');
  });

  it('is not fooled by the same key deeper down, in strings, or escaped', () => {
    // A Responses API body echoes the client's metadata and tools after its own service_tier.
    const responses = {
      id: 'resp_1',
      output: [{ type: 'message', content: [{ type: 'output_text', text: '"service_tier":"flex"' }] }],
      service_tier: 'default',
      tools: [{ type: 'function', parameters: { properties: { service_tier: { type: 'string' } } } }],
      usage: { input_tokens: 1 },
      metadata: { service_tier: 'flex', note: 'a \\" quote and "service_tier":"flex"' },
    };
    expect(topLevelString(b(responses), 'service_tier')).toBe('default');
    expect(topLevelString(b({ service_tier: 'priority', metadata: { service_tier: 'flex' } }), 'service_tier')).toBe('priority');
  });

  it('answers null when the field is absent, not a string, too long, or the body is not JSON', () => {
    expect(topLevelString(b({ usage: { service_tier: 'priority' }, choices: ['service_tier'] }), 'service_tier')).toBeNull();
    expect(topLevelString(b({ service_tier: null }), 'service_tier')).toBeNull();
    expect(topLevelString(b({ service_tier: { a: 1 } }), 'service_tier')).toBeNull();
    expect(topLevelString(b({ service_tier: 'x'.repeat(65) }), 'service_tier')).toBeNull();
    expect(topLevelString(b('not json "service_tier":"priority"'), 'service_tier')).toBeNull();
    expect(topLevelString(b(''), 'service_tier')).toBeNull();
  });
});

describe('which tier served a call, per provider', () => {
  it('OpenAI chat and Responses API bodies: the top-level service_tier', () => {
    const chat = { id: 'c', object: 'chat.completion', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 3, completion_tokens: 1 }, service_tier: 'priority' };
    expect(openaiAdapter.serviceTierOf('chat', Buffer.from(JSON.stringify(chat)))).toBe('priority');
    const resp = { id: 'r', object: 'response', output: [], service_tier: 'flex', usage: { input_tokens: 3, output_tokens: 1 }, metadata: { service_tier: 'priority' } };
    expect(openaiAdapter.serviceTierOf('responses', Buffer.from(JSON.stringify(resp)))).toBe('flex');
    expect(openaiAdapter.serviceTierOf('chat', Buffer.from(JSON.stringify({ ...chat, service_tier: undefined })))).toBeNull();
  });

  it('Anthropic bodies: usage.service_tier, not a tool input that names one', () => {
    const body = {
      content: [{ type: 'tool_use', name: 't', input: { service_tier: 'standard' } }],
      usage: { input_tokens: 3, output_tokens: 1, service_tier: 'priority' },
    };
    expect(anthropicAdapter.serviceTierOf('messages', Buffer.from(JSON.stringify(body)))).toBe('priority');
    expect(anthropicAdapter.serviceTierOf('messages', Buffer.from(JSON.stringify({ ...body, usage: { input_tokens: 3 } })))).toBeNull();
  });

  const sse = (events: unknown[]): Buffer => Buffer.from(events.map((e) => `data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`).join(''));

  it('OpenAI chat streams: the usage chunk', () => {
    const meter = openaiAdapter.streamMeter(false, 'chat');
    meter.push(sse([{ service_tier: 'priority', choices: [{ delta: { content: 'hi' } }], usage: null }]));
    expect(meter.metered().serviceTier).toBeNull();
    meter.push(sse([{ service_tier: 'priority', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } }, '[DONE]']));
    expect(meter.metered()).toMatchObject({ complete: true, serviceTier: 'priority' });
  });

  it('Responses API streams: the terminal event', () => {
    const meter = openaiAdapter.streamMeter(false, 'responses');
    meter.push(sse([{ type: 'response.created', sequence_number: 0, response: { service_tier: 'auto', usage: null } }]));
    meter.push(sse([{ type: 'response.completed', sequence_number: 1, response: { service_tier: 'flex', usage: { input_tokens: 3, output_tokens: 1 } } }]));
    expect(meter.metered()).toMatchObject({ complete: true, serviceTier: 'flex' });
  });

  it('Anthropic streams: message_start, known even when the stream is cut before its end', () => {
    const meter = anthropicAdapter.streamMeter(false);
    meter.push(sse([{ type: 'message_start', message: { usage: { input_tokens: 3, output_tokens: 1, service_tier: 'priority' } } }]));
    expect(meter.metered()).toMatchObject({ complete: false, promptKnown: true, serviceTier: 'priority' });
    meter.push(sse([{ type: 'message_delta', delta: {}, usage: { output_tokens: 5 } }]));
    expect(meter.metered()).toMatchObject({ complete: true, serviceTier: 'priority' });
  });
});
