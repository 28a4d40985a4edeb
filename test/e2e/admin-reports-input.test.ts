/**
 * The report endpoints' edges: times a Date cannot hold, windows the wrong way round and bare short
 * numbers get a 400 in OpenAI's error shape (never a 500), a bad JSON body is not echoed back, and a
 * team key sees neither the route rules nor budgets whose spend may be other teams'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';

let s: Stack;
let teamKey: string;

async function get(path: string, key = ADMIN_KEY): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

async function post(path: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${s.gw.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body });
  return { status: r.status, text: await r.text() };
}

beforeAll(async () => {
  s = await startStack({
    config: (base) => ({
      ...base,
      budgets: [
        { scope: 'team:platform', limit_usd: 100, period: 'month' },
        { scope: 'project:shared', limit_usd: 100, period: 'month' },
      ],
      routes: [{ name: 'research-cheap', match: { team: 'research' }, serve: 'test-gpt' }],
    }),
  });
  teamKey = await s.createKey({ team: 'platform', project: 'shared' });
});
afterAll(() => s.close());

describe('ids in admin paths', () => {
  it.each([
    ['GET', '/admin/v1/runs/%E0%A4%A'],
    ['POST', '/admin/v1/runs/%ZZ/kill'],
    ['DELETE', '/admin/v1/budgets/%E0%A4%A'],
  ])('a malformed percent-encoded id in %s %s is a 400, not a 500', async (method, path) => {
    const r = await fetch(`${s.gw.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ error: { code: 'invalid_request', type: 'invalid_request_error' } });
  });
});

describe('report times and windows', () => {
  it.each([
    '/admin/v1/spend?from=99999999999999999',
    '/admin/v1/spend?to=99999999999999999',
    '/admin/v1/spend?from=999999999999d',
    '/admin/v1/spend?from=2026-01-02&to=2025-01-01',
    '/admin/v1/spend?from=123',
    '/admin/v1/spend?group_by=team&from=2026-01-02&to=2026-01-02',
    '/admin/v1/savings?from=2026-01-02&to=2025-01-01',
    '/admin/v1/waste?from=999999999999d',
    '/admin/v1/outcomes?from=2026-01-02&to=2025-01-01',
  ])('answers %s with 400 invalid_request', async (path) => {
    const r = await get(path);
    expect(r.status).toBe(400);
    expect((r.body['error'] as { code: string }).code).toBe('invalid_request');
  });

  it('still takes a four-digit year and epoch milliseconds', async () => {
    expect((await get('/admin/v1/spend?from=2025&to=1893456000000')).status).toBe(200);
  });

  it('refuses an outcome time a Date cannot hold, and outcomes stay readable', async () => {
    const r = await post('/admin/v1/outcomes', JSON.stringify({ team: 'platform', label: 'x', value_usd: 1, at: 9_000_000_000_000_000 }));
    expect(r.status).toBe(400);
    expect((await get('/admin/v1/outcomes')).status).toBe(200);
  });

  it('does not echo a body that is not JSON', async () => {
    const r = await post('/admin/v1/outcomes', 'sk-live-SECRET{');
    expect(r.status).toBe(400);
    expect(r.text).toContain('invalid_json');
    expect(r.text).not.toContain('SECRET');
  });
});

describe('what a team key sees', () => {
  it('gets the price book without the route rules (they name other teams)', async () => {
    const asAdmin = await get('/admin/v1/models');
    expect((asAdmin.body['routes'] as unknown[]).length).toBe(1);
    const asTeam = await get('/admin/v1/models', teamKey);
    expect(asTeam.status).toBe(200);
    expect((asTeam.body['data'] as unknown[]).length).toBeGreaterThan(0);
    expect(asTeam.body['routes']).toEqual([]);
  });

  it("sees its team's budget forecasts, not a project budget other teams spend on", async () => {
    const scopes = (b: Record<string, unknown>): string[] => (b['data'] as { scope: string }[]).map((f) => f.scope).sort();
    expect(scopes((await get('/admin/v1/forecasts')).body)).toEqual(['project:shared', 'team:platform']);
    expect(scopes((await get('/admin/v1/forecasts', teamKey)).body)).toEqual(['team:platform']);
  });
});
