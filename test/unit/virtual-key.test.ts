import { describe, expect, it } from 'vitest';
import { generateKey, hashKey, keyIdOf, verifyKey } from '../../src/keys/virtual-key.js';
import { upstreamStatusError } from '../../src/pipeline/call.js';
import { openaiAdapter } from '../../src/providers/openai/index.js';
import type { ProviderRuntime } from '../../src/providers/registry.js';

describe('virtual keys', () => {
  it('are high-entropy, carry their id, and verify only against their keyed hash', () => {
    const a = generateKey('secret-one-secret-one');
    const b = generateKey('secret-one-secret-one');
    expect(a.key).not.toBe(b.key);
    expect(a.key.length).toBeGreaterThanOrEqual(55);
    expect(keyIdOf(a.key)).toBe(a.id);
    expect(a.hash).not.toContain(a.key.slice(16));
    expect(verifyKey('secret-one-secret-one', a.key, a.hash)).toBe(true);
    expect(verifyKey('secret-one-secret-one', b.key, a.hash)).toBe(false);
    expect(verifyKey('another-secret-xxxx', a.key, a.hash)).toBe(false);
    expect(hashKey('s', a.key)).toHaveLength(64);
    expect(keyIdOf('sk-not-ours')).toBeNull();
  });
});

describe('upstream errors', () => {
  it('never echo the provider key, and a refused provider key is not the client’s 401', () => {
    const provider = { name: 'openai', adapter: openaiAdapter, config: { api_key: 'sk-live-abcdefghijklmnop' } } as unknown as ProviderRuntime;
    const body = Buffer.from(JSON.stringify({ error: { message: 'Incorrect API key provided: sk-live-abcdefghijklmnop (sk-liv***mnop).', type: 'invalid_request_error' } }));
    const err = upstreamStatusError(401, body, provider, undefined);
    expect(err.status).toBe(502);
    expect(err.message).not.toContain('abcdefghijklmnop');
    expect(err.message).not.toContain('sk-liv');
    expect(upstreamStatusError(429, body, provider, '7').details?.['retry_after_seconds']).toBe(7);
  });
});
