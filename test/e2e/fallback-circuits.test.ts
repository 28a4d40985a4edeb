/**
 * Fallback chains and their circuit breakers: a half-open circuit lets one call probe its target while
 * the others keep skipping it, and a fallback that cannot be sent the request (no translation of its
 * fields) is left out of the chain rather than turning the primary's retryable error into a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directive, startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;
const COOLDOWN = 600;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  s = await startStack({
    config: (base, mockUrl) => ({
      ...base,
      providers: {
        ...(base['providers'] as object),
        slow: { kind: 'openai', base_url: `${mockUrl}/v1`, api_key: 'sk-slow', timeouts: { connect_ms: 300, first_byte_ms: 300, idle_ms: 2000 } },
      },
      models: {
        ...(base['models'] as object),
        'slow-gpt': { provider: 'slow', price: { input_per_mtok: 1, output_per_mtok: 2 } },
        'primary-gpt': { provider: 'openai', price: { input_per_mtok: 1, output_per_mtok: 2 } },
      },
      circuit_breaker: { failures: 2, cooldown_ms: COOLDOWN },
      routes: [
        { match: { model: 'half' }, fallback: ['slow-gpt', 'test-gpt'] },
        { match: { model: 'cross' }, fallback: ['primary-gpt', 'test-claude'] },
      ],
    }),
  });
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

async function chat(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text) as Record<string, unknown>, headers: res.headers };
}
const msg = (d: Record<string, unknown>, text = 'hello'): { role: 'user'; content: string }[] => [{ role: 'user', content: directive(d, text) }];

/** The attempt rows of these calls on a model. */
async function attemptsOn(ids: string[], model: string): Promise<number> {
  for (const id of ids) await s.waitForCall(id);
  return (await s.calls()).filter((r) => r.attemptOf !== null && ids.includes(r.attemptOf) && r.servedModel === model).length;
}

describe('circuit breaker: half-open', () => {
  const hanging = { first_byte_delay_ms: 1500, only_model: 'slow-gpt' };
  const call = (text: string, d: Record<string, unknown> = hanging) => chat({ model: 'half', max_tokens: 20, messages: msg(d, text) });

  it('after the cooldown, one call probes the target while the others keep skipping it', async () => {
    // Two first-byte timeouts open slow-gpt's circuit.
    for (let i = 0; i < 2; i++) expect((await call(`open ${i}`)).headers.get('x-tollgate-model')).toBe('test-gpt');
    const skipped = await call('while open');
    expect(await attemptsOn([skipped.headers.get('x-tollgate-call-id')!], 'slow-gpt')).toBe(0);

    await sleep(COOLDOWN + 100);
    const burst = await Promise.all(Array.from({ length: 6 }, (_, i) => call(`burst ${i}`)));
    for (const r of burst) {
      expect(r.status).toBe(200);
      expect(r.headers.get('x-tollgate-model')).toBe('test-gpt');
    }
    const ids = burst.map((r) => r.headers.get('x-tollgate-call-id')!);
    expect(await attemptsOn(ids, 'slow-gpt')).toBe(1); // the probe alone waited for the dead target

    // The probe failed: open again for another cooldown.
    const after = await call('after the probe');
    expect(await attemptsOn([after.headers.get('x-tollgate-call-id')!], 'slow-gpt')).toBe(0);

    // Once the target answers, the probe closes the circuit and every call is served by it again.
    await sleep(COOLDOWN + 100);
    const probe = await call('healthy probe', {});
    expect(probe.headers.get('x-tollgate-model')).toBe('slow-gpt');
    const closed = await Promise.all(Array.from({ length: 3 }, (_, i) => call(`closed ${i}`, {})));
    for (const r of closed) expect(r.headers.get('x-tollgate-model')).toBe('slow-gpt');
  });
});

describe('fallbacks that cannot be sent the request', () => {
  const failing = { status: 500, only_model: 'primary-gpt' };

  it("leaves them out of the chain: the client gets the primary's retryable error, not a 400", async () => {
    for (const extra of [{ n: 2 }, { logprobs: true, top_logprobs: 2 }]) {
      const before = s.mock.stats.requests;
      const r = await chat({ model: 'cross', max_tokens: 20, messages: msg(failing, `untranslatable ${JSON.stringify(extra)}`), ...extra });
      expect(r.status).toBe(502);
      expect(r.json['error']).toMatchObject({ code: 'upstream_error' });
      expect(s.mock.stats.requests - before).toBe(1);
    }
    // A request the fallback can take still falls back to it.
    const ok = await chat({ model: 'cross', max_tokens: 20, messages: msg(failing, 'translatable') });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-tollgate-model')).toBe('test-claude');
  });

  it('tries the only target able to serve the request even while its circuit is open', async () => {
    // Failures on primary-gpt (falling back to test-claude) open its circuit.
    for (let i = 0; i < 2; i++) {
      const fb = await chat({ model: 'cross', max_tokens: 20, messages: msg(failing, `open ${i}`) });
      expect(fb.headers.get('x-tollgate-model')).toBe('test-claude');
    }
    const before = s.mock.stats.requests;
    const r = await chat({ model: 'cross', max_tokens: 20, messages: msg({}, 'primary is back'), n: 2 });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-tollgate-model')).toBe('primary-gpt');
    expect(s.mock.stats.requests - before).toBe(1);
  });

  it('still refuses an untranslatable request to a single cross-format target with a 400', async () => {
    const r = await chat({ model: 'test-claude', max_tokens: 20, messages: msg({}), n: 2 });
    expect(r.status).toBe(400);
    expect(r.json['error']).toMatchObject({ code: 'unsupported_format' });
  });
});
