/** Dashboard sessions: one key signing in again and again holds a bounded number, and never signs anyone else out. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

async function signIn(key: string): Promise<string> {
  const r = await fetch(`${s.gw.url}/dashboard/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
  expect(r.status).toBe(200);
  await r.arrayBuffer();
  return /tg_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
}

const signedIn = async (cookie: string): Promise<boolean> => {
  const r = await fetch(`${s.gw.url}/dashboard/api/session`, { headers: { cookie: `tg_session=${cookie}` } });
  await r.arrayBuffer();
  return r.status === 200;
};

describe('dashboard sessions', () => {
  it("a key's 21st session replaces its oldest; a flood of sign-ins by one team key leaves the admin signed in", { timeout: 60_000 }, async () => {
    const admin = await signIn(ADMIN_KEY);
    const key = await s.createKey({ team: 'viewer' });
    const first = await signIn(key);
    for (let i = 0; i < 19; i++) await signIn(key);
    expect(await signedIn(first)).toBe(true);
    await signIn(key);
    expect(await signedIn(first)).toBe(false);
    // More sign-ins than the gateway keeps sessions in all (10,000), 25 at a time.
    for (let i = 0; i < 10_050; i += 25) await Promise.all(Array.from({ length: 25 }, () => signIn(key)));
    expect(await signedIn(admin)).toBe(true);
  });
});
