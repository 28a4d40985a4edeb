/**
 * GET /admin/v1/savings is filtered as the other reports are: the admin's `team=` narrows it to that
 * team (it used to be ignored, answering for the whole organisation), a parameter it does not take
 * (a typo such as `tema=`) is refused rather than ignored, and a team key still sees its own team only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
let alpha: string;
let beta: string;

interface Savings {
  total_saved_nanos: number;
  data: { team: string; reason: string; saved_nanos: number }[];
}

async function get(path: string, key = ADMIN_KEY): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** The same request twice: the second is a cache hit, which saves what the first cost. */
async function cachedTwice(key: string, text: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const r = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content: text }] }),
    });
    expect(r.status).toBe(200);
    await r.text();
  }
}

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({ ...base, routes: [{ name: 'cache-all', match: { model: 'test-gpt' }, cache: { ttl_seconds: 60 } }] }),
  });
  alpha = await s.createKey({ team: 'alpha' });
  beta = await s.createKey({ team: 'beta' });
  await cachedTwice(alpha, 'alpha question');
  await cachedTwice(beta, 'beta question');
  await s.gw.deps.recorder.flush();
});
afterAll(() => s.close());

describe('GET /admin/v1/savings', () => {
  it('answers for every team without a filter', async () => {
    const r = await get('/admin/v1/savings?group_by=team');
    expect(r.status).toBe(200);
    const teams = (r.body as unknown as Savings).data.map((d) => d.team).sort();
    expect(teams).toEqual(['alpha', 'beta']);
  });

  it("narrows to the admin's team=", async () => {
    const all = (await get('/admin/v1/savings?group_by=team')).body as unknown as Savings;
    const r = await get('/admin/v1/savings?group_by=team&team=alpha');
    expect(r.status).toBe(200);
    const body = r.body as unknown as Savings;
    expect(body.data.map((d) => d.team)).toEqual(['alpha']);
    expect(body.total_saved_nanos).toBe(all.data.filter((d) => d.team === 'alpha').reduce((sum, d) => sum + d.saved_nanos, 0));
    expect(body.total_saved_nanos).toBeLessThan(all.total_saved_nanos);
  });

  it('refuses a parameter it does not take instead of answering for the whole organisation', async () => {
    const r = await get('/admin/v1/savings?group_by=team&tema=alpha');
    expect(r.status).toBe(400);
    expect(r.body['error']).toMatchObject({ code: 'invalid_request', param: 'tema' });
  });

  it("keeps a team key to its own team, and refuses another team's", async () => {
    const own = await get('/admin/v1/savings?group_by=team', alpha);
    expect(own.status).toBe(200);
    expect((own.body as unknown as Savings).data.map((d) => d.team)).toEqual(['alpha']);
    expect((await get('/admin/v1/savings?group_by=team&team=beta', alpha)).status).toBe(403);
  });
});
