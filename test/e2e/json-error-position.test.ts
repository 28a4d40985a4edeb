/**
 * A model call whose body is not JSON gets 400 invalid_json saying where the JSON breaks, in the
 * caller's API shape, without quoting the body back (it may hold a secret), as the admin API does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'platform' });
});
afterAll(() => s.close());

async function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body });
  return { status: r.status, text: await r.text() };
}

describe('malformed JSON bodies on model endpoints', () => {
  it.each(['/v1/chat/completions', '/v1/responses', '/v1/embeddings'])('%s: OpenAI shape, position, no echo', async (path) => {
    const r = await post(path, 'SECRETVALUE-abcdef');
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('SECRET');
    expect(JSON.parse(r.text)).toEqual({
      error: { message: 'Request body is not valid JSON: unexpected character at position 0 (line 1, column 1).', type: 'invalid_request_error', param: null, code: 'invalid_json', position: 0 },
    });
  });

  it.each(['/v1/messages', '/v1/messages/count_tokens'])('%s: Anthropic shape, position, no echo', async (path) => {
    const r = await post(path, '{"model":"test-claude",\n "messages": SECRETVALUE}');
    expect(r.status).toBe(400);
    expect(r.text).not.toContain('SECRET');
    expect(JSON.parse(r.text)).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Request body is not valid JSON: unexpected character at position 37 (line 2, column 14).', code: 'invalid_json', position: 37 },
    });
  });

  it('does not echo the text around a break in the middle of a body either', async () => {
    const r = await post('/v1/chat/completions', '{"model":"test-gpt","api_key":"sk-live-SECRET" "messages":[]}');
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(/SECRET|api_key|messages/);
    expect(r.text).toContain("expected ',' or '}' at position 47 (line 1, column 48)");
  });
});
