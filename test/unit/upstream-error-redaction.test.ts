// Whatever a provider's error answer echoes of Tollgate's provider key never reaches the client.
import { describe, expect, it } from 'vitest';
import { upstreamStatusError } from '../../src/pipeline/call.js';
import { openaiAdapter } from '../../src/providers/openai/index.js';
import { anthropicAdapter } from '../../src/providers/anthropic/index.js';
import type { ProviderRuntime } from '../../src/providers/registry.js';

const KEY = 'live-PROVIDER-secret-777';

function provider(adapter: typeof openaiAdapter): ProviderRuntime {
  return { name: 'p', config: { api_key: KEY } as ProviderRuntime['config'], adapter, pool: null as never, basePath: '', maxTokensField: 'max_tokens' };
}

describe('provider error answers', () => {
  for (const [name, adapter, body] of [
    ['openai', openaiAdapter, { error: { message: `bad key ${KEY}`, type: `t:${KEY}`, code: `c:${encodeURIComponent(KEY)}`, param: `p:${Buffer.from(KEY).toString('base64')}` } }],
    ['anthropic', anthropicAdapter, { type: 'error', error: { type: `t:${KEY}`, message: `bad key ${KEY}` } }],
  ] as const) {
    for (const status of [400, 401, 429, 500]) {
      it(`${name} ${status}: no field the client or the ledger gets holds the key, in any encoding`, () => {
        const e = upstreamStatusError(status, Buffer.from(JSON.stringify(body)), provider(adapter), undefined);
        const seen = JSON.stringify({ message: e.message, details: e.details, provider: (e as unknown as { provider?: unknown }).provider });
        expect(seen).toContain('[redacted]');
        for (const form of [KEY, encodeURIComponent(KEY), Buffer.from(KEY).toString('base64')]) expect(seen).not.toContain(form);
      });
    }
  }
});

describe('a placeholder provider key', () => {
  it('leaves the provider\'s message readable when the key is a few characters (no real key is)', () => {
    const p = { ...provider(openaiAdapter), config: { api_key: 'x' } as ProviderRuntime['config'] };
    const body = { error: { message: "This model's maximum context length is 128000 tokens.", type: 'invalid_request_error', code: 'context_length_exceeded' } };
    const e = upstreamStatusError(400, Buffer.from(JSON.stringify(body)), p, undefined);
    expect(e.message).toContain("This model's maximum context length is 128000 tokens.");
  });
});
