/** The admin API: authenticated, scoped (a team sees only its own spend), spend by every dimension, calls by run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';

let s: Stack;
let platform: string;
let research: string;

beforeAll(async () => {
  s = await startStack();
  platform = await s.createKey({ team: 'platform', user: 'ada', project: 'search' });
  research = await s.createKey({ team: 'research', user: 'bob', project: 'lab' });
  const call = (key: string, run: string, agent: string, tokens: number): Promise<unknown> =>
    s.openai(key, { headers: { 'x-tollgate-run': run, 'x-tollgate-agent': agent } }).chat.completions.create({
      model: 'test-gpt',
      messages: [{ role: 'user', content: directive({ prompt_tokens: 100, completion_tokens: tokens }) }],
    });
  await call(platform, 'run-p1', 'planner', 10);
  await call(platform, 'run-p1', 'coder', 20);
  await call(research, 'run-r1', 'planner', 30);
  // Rows are recorded just after the responses: wait for all three.
  for (let i = 0; i < 100 && (await s.calls()).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(() => s.close());

async function get(path: string, key: string): Promise<{ status: number; body: { data: Record<string, unknown>[]; error?: { code: string } } }> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as { data: Record<string, unknown>[]; error?: { code: string } } };
}

describe('admin API', () => {
  it('reports spend by each dimension with every token class, hand-checked', async () => {
    const byTeam = (await get('/admin/v1/spend?group_by=team', ADMIN_KEY)).body.data;
    const p = byTeam.find((r) => r['team'] === 'platform')!;
    // Two calls: 100 prompt tokens each, 10 + 20 output; test-gpt at $1.25 / $10 per Mtok.
    expect(p).toMatchObject({ calls: 2, input_tokens: 200, cached_input_tokens: 0, cache_write_tokens: 0, output_tokens: 30, reasoning_tokens: 0, cost_nanos: 200 * 1250 + 30 * 10_000 });
    expect(p['cost_usd']).toBeCloseTo(0.00055, 12);
    for (const [dim, expected] of [
      ['user', ['ada', 'bob']],
      ['project', ['lab', 'search']],
      ['model', ['test-gpt']],
      ['provider', ['openai']],
      ['run', ['run-p1', 'run-r1']],
      ['agent', ['coder', 'planner']],
    ] as const) {
      const rows = (await get(`/admin/v1/spend?group_by=${dim}`, ADMIN_KEY)).body.data;
      expect(rows.map((r) => r[dim]).sort()).toEqual(expected);
    }
    const days = (await get('/admin/v1/spend?group_by=day&from=1d', ADMIN_KEY)).body.data;
    expect(days).toHaveLength(1);
    expect(days[0]!['calls']).toBe(3);
    expect((await get('/admin/v1/spend?group_by=day&to=2000-01-01', ADMIN_KEY)).body.data).toEqual([]);
    expect((await get('/admin/v1/spend?group_by=planet', ADMIN_KEY)).status).toBe(400);
    expect((await get('/admin/v1/spend?from=yesterday-ish', ADMIN_KEY)).status).toBe(400);
    // A misspelt parameter is refused, not silently ignored (Team= would have filtered nothing).
    for (const q of ['bogus=1', 'Team=beta', 'group_by=team&teams=beta']) {
      const r = await get(`/admin/v1/spend?${q}`, ADMIN_KEY);
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body)).toContain('Unknown parameter');
    }
  });

  it('lists the calls of a run', async () => {
    const rows = (await get('/admin/v1/calls?run=run-p1', ADMIN_KEY)).body.data;
    expect(rows.map((r) => r['agent']).sort()).toEqual(['coder', 'planner']);
    expect((await get('/admin/v1/calls?limit=1', ADMIN_KEY)).body.data).toHaveLength(1);
  });

  it('pages calls by time and refuses parameters it does not take', async () => {
    const all = (await get('/admin/v1/calls', ADMIN_KEY)).body.data;
    expect(all).toHaveLength(3);
    const newest = all[0]!['started_at'] as string;
    const older = (await get(`/admin/v1/calls?to=${encodeURIComponent(newest)}`, ADMIN_KEY)).body.data;
    expect(older.map((r) => r['id'])).toEqual(all.filter((r) => (r['started_at'] as string) < newest).map((r) => r['id']));
    for (const q of ['limit=abc', 'limit=0', 'limit=-1', 'limit=1001', 'key=k1', 'model=test-gpt', 'from=tomorrow']) {
      const r = await get(`/admin/v1/calls?${q}`, ADMIN_KEY);
      expect([q, r.status, r.body.error?.code]).toEqual([q, 400, 'invalid_request']);
    }
  });

  it('lets a team key read only its own team, and change nothing', async () => {
    const spend = (await get('/admin/v1/spend?group_by=team', research)).body.data;
    expect(spend.map((r) => r['team'])).toEqual(['research']);
    const calls = (await get('/admin/v1/calls', research)).body.data;
    expect(new Set(calls.map((r) => r['team']))).toEqual(new Set(['research']));
    expect((await get('/admin/v1/calls?run=run-p1', research)).body.data).toEqual([]);
    const keys = (await get('/admin/v1/keys', research)).body.data;
    expect(keys.map((k) => k['team'])).toEqual(['research']);
    const post = await fetch(`${s.gw.url}/admin/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${research}` }, body: JSON.stringify({ team: 'platform' }) });
    expect(post.status).toBe(403);
    const budget = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${research}` }, body: JSON.stringify({ scope: 'team:research', limit_usd: 1e6 }) });
    expect(budget.status).toBe(403);
  });

  it('refuses a key with an empty model allow-list instead of allowing every model', async () => {
    const post = await fetch(`${s.gw.url}/admin/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ team: 't2', models: [] }),
    });
    expect(post.status).toBe(400);
    const body = (await post.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/empty model list/);
    const keys = (await get('/admin/v1/keys', ADMIN_KEY)).body.data;
    expect(keys.some((k) => k['team'] === 't2')).toBe(false);
  });

  it('refuses missing or wrong keys, and never returns key hashes', async () => {
    expect((await fetch(`${s.gw.url}/admin/v1/spend`)).status).toBe(401);
    expect((await get('/admin/v1/spend', 'nope')).status).toBe(401);
    const keys = await fetch(`${s.gw.url}/admin/v1/keys`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const text = await keys.text();
    expect(text).not.toContain('hash');
    expect(text).not.toContain(platform.slice(16));
  });
});
