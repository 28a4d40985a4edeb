import { describe, expect, it } from 'vitest';
import { cacheKey } from '../../../src/cache/cache-key.js';

const base = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Hello' },
  ],
  temperature: 0,
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }],
};
const key = (body: Record<string, unknown>, scope = 'team:platform', model = 'gpt-4o-mini') =>
  cacheKey({ api: 'openai', endpoint: 'chat', model, body, scope });

describe('cacheKey', () => {
  it('is scope-prefixed sha256 hex and stable', () => {
    const k = key(base);
    expect(k).toMatch(/^team:platform:[0-9a-f]{64}$/);
    expect(key(structuredClone(base))).toBe(k);
  });

  it('ignores key order (at every depth) and whitespace of the raw request', () => {
    const a = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
    const raw = `{ "tools": [ {"function": {"parameters": {"properties": {"a": {"type": "string"}}, "type": "object"},
      "name": "f"}, "type": "function"} ],
      "temperature": 0,
      "messages": [{"content": "Be brief.", "role": "system"}, {"content":"Hello","role":"user"}], "model": "gpt-4o-mini" }`;
    expect(key(JSON.parse(raw) as Record<string, unknown>)).toBe(key(a));
  });

  it('ignores stream, stream_options, user and metadata', () => {
    const k = key(base);
    expect(key({ ...base, stream: true, stream_options: { include_usage: true } })).toBe(k);
    expect(key({ ...base, stream: false })).toBe(k);
    expect(key({ ...base, user: 'u1', metadata: { user_id: 'x' } })).toBe(k);
  });

  it('changes with any parameter, array order and nested value', () => {
    const k = key(base);
    const variants: Record<string, unknown>[] = [
      { ...base, temperature: 0.1 },
      { ...base, max_tokens: 10 },
      { ...base, model: 'gpt-4o' },
      { ...base, messages: [...base.messages].reverse() },
      { ...base, messages: [base.messages[0], { role: 'user', content: 'Hello!' }] },
      { ...base, tools: [] },
      { ...base, seed: 1 },
      { ...base, temperature: '0' },
    ];
    const keys = new Set(variants.map((v) => key(v)));
    expect(keys.size).toBe(variants.length);
    expect(keys.has(k)).toBe(false);
    expect(key(base, 'team:platform', 'gpt-4o')).not.toBe(k);
    expect(cacheKey({ api: 'anthropic', endpoint: 'messages', model: 'gpt-4o-mini', body: base, scope: 'team:platform' })).not.toBe(k);
  });

  it('isolates scopes, in the prefix and in the hash', () => {
    const a = key(base, 'team:a');
    const b = key(base, 'team:b');
    expect(a.startsWith('team:a:')).toBe(true);
    expect(a.slice('team:a:'.length)).not.toBe(b.slice('team:b:'.length));
  });

  it('does not mutate the body and treats undefined like an absent field', () => {
    const body = { ...base, stream: true, extra: undefined };
    const copy = { ...body };
    expect(key(body)).toBe(key(base));
    expect(body).toEqual(copy);
  });

  it('hashes a 30 KB body to the same key as its reordered copy (speed is measured in bench/, not here)', () => {
    const big = { ...base, messages: Array.from({ length: 300 }, (_, i) => ({ role: 'user', content: `message ${i} `.repeat(8) })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(30_000);
    const reordered = Object.fromEntries(Object.entries(big).reverse());
    expect(key(reordered)).toBe(key(big));
  });
});
