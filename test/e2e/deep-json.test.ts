/**
 * JSON.parse takes any nesting depth, but the stages that walk or re-serialise a body (the run guard's
 * digests, the response cache's key) recurse: a body nested tens of thousands of levels deep is a 400
 * in the caller's shape, its call recorded, the gateway still serving; not a 500 internal error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerWatch, startStack, type LedgerWatch, type Stack } from './harness.js';

let s: Stack;
let key: string;
let ledger: LedgerWatch;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      server: { ...(base['server'] as object), max_body_bytes: 1024 * 1024 },
      guard: { enabled: true },
      routes: [{ name: 'cached', match: { header: 'cached' }, cache: { ttl_seconds: 60 } }],
    }),
  });
  key = await s.createKey({ team: 'platform' });
  ledger = ledgerWatch(s);
  await ledger.start();
});
afterAll(() => s.close());

const deep = (d: number): string => '['.repeat(d) + '1' + ']'.repeat(d);

async function post(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${s.gw.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('deeply nested JSON', () => {
  it('is refused in the caller’s shape by the run guard and by a cached route, and recorded', async () => {
    const tool = `{"model":"test-claude","max_tokens":5,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":{"x":${deep(50_000)}}}]},{"role":"user","content":"go on"}]}`;
    const a = await post('/v1/messages', tool, { 'x-tollgate-run': 'deep-run' });
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('nested too deeply') as unknown } });

    const chat = `{"model":"test-gpt","messages":[{"role":"user","content":"hi"}],"response_format":${deep(50_000)}}`;
    const r = await post('/v1/chat/completions', chat, { 'x-tollgate-route': 'cached' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('nested too deeply') as unknown } });

    const rows = await ledger.check(2);
    expect(rows.map((x) => x.status).sort()).toEqual(['error', 'error']);
    // Still serving.
    const ok = await s.openai(key).chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'hello' }] });
    expect(ok.choices.length).toBe(1);
  });
});
