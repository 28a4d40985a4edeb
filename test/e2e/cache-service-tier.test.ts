/**
 * A cache hit saves what the original answer cost: an answer billed at a dearer service tier
 * (priority) saves its priority cost when served again from the cache, not its standard-rate cost.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      models: {
        ...(base['models'] as object),
        // Test prices: priority at twice the standard rates.
        'tiered-gpt': { provider: 'openai', price: { input_per_mtok: 1, output_per_mtok: 10, service_tiers: { priority: { input_per_mtok: 2, output_per_mtok: 20 } } } },
      },
      routes: [{ match: { tags: ['cached'] }, cache: { ttl_seconds: 600, scope: 'key' } }],
    }),
  });
  key = await s.createKey({ unlimited: true });
});
afterAll(() => s.close());

async function call(tier: string | undefined, stream: boolean): Promise<{ cache: string | null; costNanos: number; savedNanos: number }> {
  const client = s.openai(key, { headers: { 'x-tollgate-tags': 'cached' } });
  const params = {
    model: 'tiered-gpt',
    max_tokens: 100,
    ...(tier === undefined ? {} : { service_tier: tier as 'priority' }),
    messages: [{ role: 'user' as const, content: directive({ prompt_tokens: 1000, completion_tokens: 50 }, `tier ${tier ?? 'standard'} ${stream ? 'streamed' : 'plain'}`) }],
  };
  let id: string | null;
  let cache: string | null;
  if (stream) {
    const { data, response } = await client.chat.completions.create({ ...params, stream: true }).withResponse();
    for await (const chunk of data) void chunk;
    id = response.headers.get('x-tollgate-call-id');
    cache = response.headers.get('x-tollgate-cache');
  } else {
    const { response } = await client.chat.completions.create(params).withResponse();
    id = response.headers.get('x-tollgate-call-id');
    cache = response.headers.get('x-tollgate-cache');
  }
  expect(id).toMatch(/^call_/);
  const row = await s.waitForCall(id!);
  return { cache, costNanos: row.costNanos, savedNanos: row.savedNanos };
}

for (const stream of [false, true]) {
  const how = stream ? 'streamed' : 'not streamed';

  it(`a hit on an answer billed at priority rates saves its priority cost (${how})`, async () => {
    const miss = await call('priority', stream);
    expect(miss.cache).toBe('miss');
    // 1,000 prompt tokens at $2/M and 50 generated at $20/M.
    expect(miss.costNanos).toBe(2_000_000 + 1_000_000);
    const hit = await call('priority', stream);
    expect(hit.cache).toBe('hit');
    expect(hit.costNanos).toBe(0);
    expect(hit.savedNanos).toBe(miss.costNanos);
  });

  it(`a hit on an answer billed at standard rates saves its standard cost (${how})`, async () => {
    const miss = await call(undefined, stream);
    expect(miss.costNanos).toBe(1_000_000 + 500_000);
    const hit = await call(undefined, stream);
    expect(hit.cache).toBe('hit');
    expect(hit.savedNanos).toBe(miss.costNanos);
  });
}
