/**
 * Every admin GET route refuses a parameter it does not take (a typo such as `tema=` would otherwise
 * answer for every team) and a value it cannot use (`limit=abc` would otherwise be the default), with
 * 400 invalid_request naming it; `team=` filters the routes that list a team's keys, budgets and runs,
 * and a team key stays held to its own team. The parameters the dashboard and the CLI send still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
let platformKey: string;

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      guard: { enabled: true },
      budgets: [
        { scope: 'team:platform', limit_usd: 100, period: 'month' },
        { scope: 'team:research', limit_usd: 50, period: 'month' },
      ],
    }),
  });
  platformKey = await s.createKey({ team: 'platform', unlimited: true });
  const researchKey = await s.createKey({ team: 'research', unlimited: true });
  for (const [key, run] of [[platformKey, 'run-p'], [researchKey, 'run-r']] as const) {
    await s.openai(key, { headers: { 'x-tollgate-run': run } }).chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'hi' }] });
  }
});
afterAll(() => s.close());

async function get(path: string, key = ADMIN_KEY): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  if (path.startsWith('/admin/v1/runs/events') && r.status === 200) {
    await r.body?.cancel();
    return { status: 200, body: {} };
  }
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const teamsOf = (body: Record<string, unknown>): string[] => [...new Set((body['data'] as { team?: string; scope?: string }[]).map((d) => d.team ?? d.scope!))].sort();

describe('unknown parameters and invalid values', () => {
  it.each([
    ['/admin/v1/runs?tema=x', 'tema'],
    ['/admin/v1/runs?limit=abc', 'limit'],
    ['/admin/v1/runs?limit=0', 'limit'],
    ['/admin/v1/runs?limit=-5', 'limit'],
    ['/admin/v1/runs?limit=2.5', 'limit'],
    ['/admin/v1/runs?limit=1001', 'limit'],
    ['/admin/v1/runs/run-p?tema=platform', 'tema'],
    ['/admin/v1/runs/events?tema=x', 'tema'],
    ['/admin/v1/runs/events?limit=abc', 'limit'],
    ['/admin/v1/runs/events?interval_ms=fast', 'interval_ms'],
    ['/admin/v1/keys?tema=x', 'tema'],
    ['/admin/v1/budgets?tema=x', 'tema'],
    ['/admin/v1/models?team=platform', 'team'],
    ['/admin/v1/forecasts?tema=x', 'tema'],
    ['/admin/v1/calls?limit=abc', 'limit'],
    ['/admin/v1/spend?tema=x', 'tema'],
  ])('%s is refused naming %s', async (path, param) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    const error = r.body['error'] as { code: string; message: string; param: string };
    expect(error).toMatchObject({ code: 'invalid_request', param });
    expect(error.message).toContain(param);
  });

  it('refuses parameters on changes that take none', async () => {
    const r = await fetch(`${s.gw.url}/admin/v1/keys?team=platform`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ team: 'research' }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { param: string } }).error.param).toBe('team');
  });
});

describe('team= filters what a team owns', () => {
  it('lists keys, budgets and runs of the team named, and of every team without it', async () => {
    expect(teamsOf((await get('/admin/v1/keys')).body)).toEqual(['platform', 'research']);
    expect(teamsOf((await get('/admin/v1/keys?team=research')).body)).toEqual(['research']);
    expect(teamsOf((await get('/admin/v1/budgets')).body)).toEqual(['key:*', 'team:platform', 'team:research']);
    expect(teamsOf((await get('/admin/v1/budgets?team=research')).body)).toEqual(['team:research']);
    expect(teamsOf((await get('/admin/v1/runs')).body)).toEqual(['platform', 'research']);
    expect(teamsOf((await get('/admin/v1/runs?team=research&limit=5')).body)).toEqual(['research']);
    expect((await get('/admin/v1/keys?team=nobody')).body['data']).toEqual([]);
  });

  it('holds a team key to its own team, and refuses another team with 403', async () => {
    for (const path of ['/admin/v1/keys', '/admin/v1/budgets', '/admin/v1/runs']) {
      expect(teamsOf((await get(path, platformKey)).body)).toEqual([path.endsWith('budgets') ? 'team:platform' : 'platform']);
      expect(teamsOf((await get(`${path}?team=platform`, platformKey)).body)).toEqual([path.endsWith('budgets') ? 'team:platform' : 'platform']);
      const other = await get(`${path}?team=research`, platformKey);
      expect(other.status).toBe(403);
      expect((other.body['error'] as { code: string }).code).toBe('forbidden');
    }
  });
});

describe('what the dashboard and the CLI send', () => {
  it.each([
    '/admin/v1/runs?limit=1',
    '/admin/v1/runs?limit=50&team=platform',
    '/admin/v1/runs/run-p?team=platform',
    '/admin/v1/runs/events',
    '/admin/v1/runs/events?limit=200&interval_ms=60000&team=platform',
    '/admin/v1/calls?run=run-p&team=platform&limit=500',
    '/admin/v1/keys',
    '/admin/v1/budgets',
    '/admin/v1/forecasts',
    '/admin/v1/forecasts?scope=team%3Aplatform',
    '/admin/v1/models',
    '/admin/v1/roi?group_by=team&from=24h',
    '/admin/v1/spend?group_by=team,day&from=2026-01-01',
    '/admin/v1/waste?from=24h',
    '/admin/v1/savings?group_by=team&from=30d',
  ])('%s answers 200', async (path) => {
    expect((await get(path)).status).toBe(200);
  });
});
