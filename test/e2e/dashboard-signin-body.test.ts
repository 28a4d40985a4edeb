/**
 * Dashboard sign-in bodies it will not read are refused for what they are: one over its 16 KiB bound is
 * a 413 body_too_large, a compressed one a 415 unsupported_encoding, not
 * a 400 saying the JSON is malformed; malformed JSON is still invalid_json, and never echoed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './harness.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

async function signIn(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const r = await fetch(`${s.gw.url}/dashboard/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, text: await r.text() };
}

describe('dashboard sign-in body', () => {
  it('refuses a body over its bound with 413 body_too_large', async () => {
    const r = await signIn(JSON.stringify({ key: 'x'.repeat(20_000) }));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'body_too_large' } });
  });

  it('refuses a compressed body with 415 unsupported_encoding', async () => {
    const r = await signIn('{"key":"abc"}', { 'content-encoding': 'gzip' });
    expect(r.status).toBe(415);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'unsupported_encoding' } });
  });

  it('still answers malformed JSON with 400 invalid_json, without echoing it', async () => {
    const r = await signIn('sk-live-SECRET{');
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ error: { code: 'invalid_json' } });
    expect(r.text).not.toContain('SECRET');
  });
});
