/** /admin/v1/spend as analytics: several dimensions and a bucket, filters, a team key held to its team. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, startStack, type Stack } from './harness.js';
import { generateLedger, GEN_START, reference } from '../contract/analytics.contract.js';
import type { AnalyticsQuery } from '../../src/analytics/query.js';

let s: Stack;
let searchKey: string;
const ledger = generateLedger(800, 7);
const DAY = 86_400_000;

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, org: 'acme' }) });
  searchKey = await s.createKey({ team: 'search' });
  await s.gw.deps.store.appendCalls(ledger);
});
afterAll(() => s.close());

async function get(path: string, key = ADMIN_KEY): Promise<{ status: number; body: { data: Record<string, unknown>[]; group_by?: string } }> {
  const r = await fetch(`${s.gw.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as { data: Record<string, unknown>[] } };
}

/** The expected rows of a query as the API names them, from a plain scan of the generated rows. */
function expected(q: AnalyticsQuery): Record<string, unknown>[] {
  return reference(ledger, q)
    .map((e) => ({ ...e.group, ...(q.bucket ? { [q.bucket]: e.bucket } : {}), calls: e.rows.length, cost_nanos: e.rows.reduce((t, r) => t + r.costNanos, 0) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
const pick = (rows: Record<string, unknown>[], keys: string[]): Record<string, unknown>[] =>
  rows.map((r) => Object.fromEntries([...keys, 'calls', 'cost_nanos'].map((k) => [k, r[k]]))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('GET /admin/v1/spend', () => {
  const from = GEN_START + 2 * DAY;
  const to = GEN_START + 12 * DAY + 3_600_000 * 5 + 1234;

  it('groups by several dimensions and a day bucket, filtered, both spellings', async () => {
    const q: AnalyticsQuery = { groupBy: ['team', 'user'], bucket: 'day', filters: { model: 'gpt-a' }, from, to };
    const want = expected(q);
    expect(want.length).toBeGreaterThan(10);
    const a = await get(`/admin/v1/spend?group_by=team,user,day&model=gpt-a&from=${from}&to=${to}`);
    expect(a.status).toBe(200);
    expect(pick(a.body.data, ['team', 'user', 'day'])).toEqual(want);
    const b = await get(`/admin/v1/spend?group_by=team,user&bucket=day&model=gpt-a&from=${new Date(from).toISOString()}&to=${to}`);
    expect(b.body.data).toEqual(a.body.data);
    expect(a.body.data[0]).toHaveProperty('latency_p95_ms');
    expect(a.body.data[0]).toHaveProperty('error_rate');
  });

  it('filters by tag and org, groups by run and week', async () => {
    const q: AnalyticsQuery = { groupBy: ['run'], bucket: 'week', filters: { tag: 'batch', org: 'acme' } };
    expect(pick((await get('/admin/v1/spend?group_by=run,week&tag=batch&org=acme')).body.data, ['run', 'week'])).toEqual(expected(q));
    expect((await get('/admin/v1/spend?group_by=team&org=other')).body.data).toEqual([]);
  });

  it('keeps the single-dimension form: group_by=team has `group` and `team`, by cost', async () => {
    const rows = (await get('/admin/v1/spend?group_by=team')).body.data;
    expect(rows.map((r) => r['group'])).toEqual(rows.map((r) => r['team']));
    const costs = rows.map((r) => Number(r['cost_nanos']));
    expect(costs).toEqual([...costs].sort((x, y) => y - x));
    expect(pick(rows, ['team'])).toEqual(expected({ groupBy: ['team'] }));
  });

  it('holds a team key to its own team, and refuses it another team', async () => {
    const rows = (await get('/admin/v1/spend?group_by=team,model', searchKey)).body.data;
    expect(new Set(rows.map((r) => r['team']))).toEqual(new Set(['search']));
    expect(pick(rows, ['team', 'model'])).toEqual(expected({ groupBy: ['team', 'model'], filters: { team: 'search' } }));
    expect((await get('/admin/v1/spend?group_by=team,model&team=search', searchKey)).body.data).toEqual(rows);
    expect((await get('/admin/v1/spend?group_by=team,model&team=ads', searchKey)).status).toBe(403);
    // An empty team= names no team: the key's own, as without it (not refused as another team's).
    const calls = await get('/admin/v1/calls?team=', searchKey);
    expect(calls.status).toBe(200);
    expect(new Set(calls.body.data.map((r) => r['team']))).toEqual(new Set(['search']));
  });

  it('refuses unknown dimensions and two buckets with a 400', async () => {
    expect((await get('/admin/v1/spend?group_by=team,planet')).status).toBe(400);
    expect((await get('/admin/v1/spend?group_by=day,week')).status).toBe(400);
    expect((await get('/admin/v1/spend?group_by=team&bucket=fortnight')).status).toBe(400);
  });
});
