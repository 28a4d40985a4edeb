/** Failed admin authentication is throttled per client address: an admin key cannot be guessed at the gateway's speed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
let now = Date.parse('2026-12-01T00:00:00Z');
beforeAll(async () => {
  s = await startStack({ now: () => now });
});
afterAll(() => s.close());

const spend = (key: string): Promise<Response> => fetch(`${s.gw.url}/admin/v1/spend`, { headers: { authorization: `Bearer ${key}` } });

describe('failed admin sign-ins', () => {
  it('after 20 wrong keys in a minute the address is refused, right key or not, until the minute ends', async () => {
    expect((await spend(ADMIN_KEY)).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await spend(`wrong-admin-key-${i}`)).status).toBe(401);
    const blocked = await spend(ADMIN_KEY);
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    // The dashboard's sign-in counts and is held back the same way.
    const signIn = await fetch(`${s.gw.url}/dashboard/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: ADMIN_KEY }) });
    expect(signIn.status).toBe(429);
    now += 60_000;
    expect((await spend(ADMIN_KEY)).status).toBe(200);
  });
});
