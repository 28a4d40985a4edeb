/**
 * Forecasts and pacing through the gateway (injected clock): GET /admin/v1/forecasts and its team
 * scoping, `tollgate budgets forecast`, forecast alerts to a local webhook (once per budget and day),
 * and paced budgets that block, downgrade or alert once today's allowance is spent, admitting again
 * the next day.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { tollgate } from './process.js';
import type { CallRow } from '../../src/storage/types.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
const DAY = 86_400_000;
let clock = Date.parse('2026-11-11T12:00:00Z');
let s: Stack;
let hook: Server;
const received: Record<string, unknown>[] = [];
let failNext = 0;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  s = await startStack({
    now: () => clock,
    config: (base) => ({
      ...base,
      alerts: { webhook_url: hookUrl, retries: 2, forecast_every_ms: 0 },
      defaults: { key_budget: null, key_rate_limit: null, max_tokens: 300, min_clamp_tokens: 16 },
      models: { ...(base['models'] as object), 'cheap-gpt': { provider: 'openai', price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } } },
    }),
  });
});
afterAll(async () => {
  await s.close();
  hook.close();
});

async function setBudget(b: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: admin, body: JSON.stringify(b) });
  expect(r.status, await r.clone().text()).toBe(201);
}

function row(id: string, team: string, at: string, usd: number, keyId = 'seeded'): CallRow {
  const t = Date.parse(at);
  return {
    id, startedAt: t, firstByteAt: null, endedAt: t + 1000, keyId, team, user: null, project: null, run: null, agent: null, parent: null, tags: null,
    endpoint: 'chat', stream: false, provider: 'openai', requestedModel: 'test-gpt', servedModel: 'test-gpt', inputTokens: 1, cachedInputTokens: 0,
    cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 1, reasoningTokens: 0, costNanos: Math.round(usd * 1e9), estimated: false,
    status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null,
  };
}

async function forecasts(key = ADMIN_KEY, q = ''): Promise<{ status: number; body: { data: Record<string, unknown>[] } }> {
  const r = await fetch(`${s.gw.url}/admin/v1/forecasts${q}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: r.status, body: (await r.json()) as { data: Record<string, unknown>[] } };
}

async function chat(key: string, completion = 200): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const body = { model: 'test-gpt', max_tokens: 200, messages: [{ role: 'user', content: directive({ completion_tokens: completion }, 'x') }] };
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe('forecasts', () => {
  let alphaKey = '';

  beforeAll(async () => {
    // alpha: $15 a day since October, half a day's worth today; beta: $5 a day.
    const rows: CallRow[] = [];
    for (let t = Date.parse('2026-10-01T12:00:00Z'); t < Date.parse('2026-11-11T00:00:00Z'); t += DAY) {
      const d = new Date(t).toISOString().slice(0, 10);
      rows.push(row(`a-${d}`, 'alpha', `${d}T12:00:00Z`, 15), row(`b-${d}`, 'beta', `${d}T12:00:00Z`, 5));
    }
    rows.push(row('a-today', 'alpha', '2026-11-11T06:00:00Z', 7.5));
    await s.gw.deps.store.appendCalls(rows);
    await setBudget({ scope: 'team:alpha', limit_usd: 300, period: 'month' });
    await setBudget({ scope: 'team:beta', limit_usd: 1000, period: 'month' });
    await setBudget({ scope: 'org', limit_usd: 100000, period: 'year' });
    // A run budget counts each team's run of that id apart: not one forecast over all teams' runs.
    await setBudget({ scope: 'run:r1', limit_usd: 10, period: 'day' });
    alphaKey = await s.createKey({ team: 'alpha' });
    await setBudget({ scope: `key:${alphaKey.split('_')[1]}`, limit_usd: 100, period: 'none' });
  });

  it('GET /admin/v1/forecasts: projection, band, exhaustion date and the sentence', async () => {
    const { status, body } = await forecasts();
    expect(status).toBe(200);
    expect(body.data.map((x) => x['budget_id'])).not.toContain('run:r1/day');
    const a = body.data.find((x) => x['budget_id'] === 'team:alpha/month')!;
    expect(Object.keys(a).sort()).toEqual(
      ['budget_id', 'scope', 'period', 'limit_usd', 'spent_usd', 'period_start', 'period_end', 'projected_usd', 'projected_low_usd', 'projected_high_usd', 'exhausts_at', 'sentence', 'method', 'history', 'projection', 'pacing'].sort(),
    );
    expect(a).toMatchObject({ scope: 'team:alpha', period: 'month', limit_usd: 300, spent_usd: 157.5, period_start: '2026-11-01T00:00:00.000Z', period_end: '2026-12-01T00:00:00.000Z', pacing: null });
    // 157.5 spent, 7.5 more today, then $15 a day for 19 days.
    expect(a['projected_usd'] as number).toBeCloseTo(450, 3);
    expect(a['projected_low_usd'] as number).toBeLessThanOrEqual(450.001);
    expect(a['projected_high_usd'] as number).toBeGreaterThanOrEqual(449.999);
    // $165 by the end of the 11th, $300 by the end of the 20th.
    expect((a['exhausts_at'] as string).slice(0, 10)).toBe('2026-11-20');
    expect(a['sentence']).toBe('At this rate the month budget of team:alpha ($300) runs out on 20 November 2026.');
    const history = a['history'] as { date: string; usd: number }[];
    expect(history).toHaveLength(11);
    expect(history[0]).toEqual({ date: '2026-11-01', usd: 15 });
    expect(history.at(-1)).toEqual({ date: '2026-11-11', usd: 7.5 });
    const projection = a['projection'] as { date: string; usd: number; low_usd: number; high_usd: number }[];
    expect(projection).toHaveLength(20);
    expect(projection[0]!.date).toBe('2026-11-11');
    expect(projection[0]!.usd).toBeCloseTo(165, 3);
    expect(projection[1]!.usd).toBeCloseTo(180, 3);
    expect(projection.at(-1)!.date).toBe('2026-11-30');

    const b = body.data.find((x) => x['budget_id'] === 'team:beta/month')!;
    expect(b['exhausts_at']).toBeNull();
    // $50 spent, half of a $5 day still to come today, then 19 days at $5.
    expect(b['projected_usd'] as number).toBeCloseTo(147.5, 3);
    const life = body.data.find((x) => x['period'] === 'none')!;
    expect(life['projected_usd']).toBeNull();
    expect(life['projection']).toEqual([]);
  });

  it('a team key sees only its own team, keys, users and projects', async () => {
    const own = await forecasts(alphaKey);
    expect(own.status).toBe(200);
    expect(own.body.data.map((x) => x['scope']).sort()).toEqual([`key:${alphaKey.split('_')[1]}`, 'team:alpha']);
    const other = await forecasts(alphaKey, '?scope=team:beta');
    expect(other.body.data).toEqual([]);
    expect((await forecasts(ADMIN_KEY, '?scope=team:beta')).body.data.map((x) => x['budget_id'])).toEqual(['team:beta/month']);
  });

  it('alerts on the forecast through the webhook (retried), once per budget and day', async () => {
    failNext = 1; // the first delivery fails and is retried
    expect(await s.gw.deps.forecasts.evaluate()).toBe(1);
    await expect.poll(() => received.filter((x) => x['kind'] === 'budget_forecast').length, { timeout: 5000 }).toBe(1);
    const alert = received.find((x) => x['kind'] === 'budget_forecast')!;
    expect(alert['budget']).toMatchObject({ id: 'team:alpha/month', scope: 'team:alpha' });
    expect(alert['text']).toBe('Tollgate forecast: At this rate the month budget of team:alpha ($300) runs out on 20 November 2026.');
    expect(await s.gw.deps.forecasts.evaluate()).toBe(0);
    clock += DAY;
    try {
      expect(await s.gw.deps.forecasts.evaluate()).toBe(1);
    } finally {
      clock -= DAY;
    }
  });

  it('`tollgate budgets forecast` prints the sentences', async () => {
    const { stdout } = await tollgate(['budgets', 'forecast', 'team:alpha', '--url', s.gw.url, '--admin-key', ADMIN_KEY]);
    expect(stdout.trim()).toBe('At this rate the month budget of team:alpha ($300) runs out on 20 November 2026.');
  });
});

describe('pacing through the gateway', () => {
  it('blocks once today\'s allowance is spent, saying so, and admits again the next day', async () => {
    // $0.20 over 20 days left (11th to 30th): $0.01 today; each call costs about $0.002.
    await setBudget({ scope: 'team:pacer', limit_usd: 0.2, period: 'month', pace: { action: 'block' } });
    const key = await s.createKey({ team: 'pacer' });
    const out = [];
    for (let i = 0; i < 8; i++) out.push(await chat(key));
    const codes = out.map((r) => r.status);
    const admitted = codes.filter((c) => c === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(3);
    expect(codes).toEqual([...Array(admitted).fill(200), ...Array(8 - admitted).fill(402)]);
    const err = out.at(-1)!.json['error'] as Record<string, unknown>;
    expect(err['code']).toBe('budget_exceeded');
    expect(err['message']).toMatch(/paced.*pacing allowance is spent.*next local midnight, 2026-11-12T00:00:00.000Z/);
    expect(err['pacing']).toBe(true);
    expect(err['allowance_today']).toBeCloseTo(0.01, 9);
    expect(err['spent_today'] as number).toBeLessThanOrEqual(0.01);
    const f = (await forecasts(ADMIN_KEY, '?scope=team:pacer')).body.data[0]!;
    expect(f['pacing']).toMatchObject({ action: 'block', allowance_today_usd: 0.01 });

    clock += DAY;
    try {
      expect((await chat(key)).status).toBe(200);
    } finally {
      clock -= DAY;
    }
  });

  it('downgrades to the pacing model once today\'s allowance is spent', async () => {
    await setBudget({ scope: 'team:slower', limit_usd: 0.2, period: 'month', pace: { action: 'downgrade', model: 'cheap-gpt' } });
    const key = await s.createKey({ team: 'slower' });
    const served: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await chat(key);
      expect(r.status).toBe(200);
      served.push(r.headers.get('x-tollgate-downgraded-by') ?? '');
    }
    const first = served.indexOf('team:slower/month');
    expect(first).toBeGreaterThanOrEqual(4);
    expect(served.slice(first).every((x) => x === 'team:slower/month')).toBe(true);
    expect(served.slice(0, first).every((x) => x === '')).toBe(true);
  });

  it('pace is set through the admin API and the CLI, and shown with the budget', async () => {
    const bad = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: admin, body: JSON.stringify({ scope: 'team:x', limit_usd: 5, pace: { action: 'downgrade', model: 'nope' } }) });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('unknown_model');
    const cfg = join(s.dir, 'cli.yaml');
    // The CLI, like the API, takes only a configured model as the pacing model.
    const cliConfig = { store: { kind: 'sqlite', path: join(s.dir, 'ledger.db') }, providers: { openai: { kind: 'openai', base_url: 'http://127.0.0.1:1/v1' } }, models: { 'cheap-gpt': { provider: 'openai' } } };
    writeFileSync(cfg, JSON.stringify(cliConfig));
    const { stdout } = await tollgate(['budgets', 'set', 'team:cli', '--usd', '5000', '--period', 'year', '--pace', 'downgrade', '--pace-model', 'cheap-gpt', '--config', cfg]);
    expect(stdout).toMatch(/paced \(downgrade to cheap-gpt\)/);
    await expect.poll(async () => {
      const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: admin });
      return ((await r.json()) as { data: { id: string; pace: unknown }[] }).data.find((b) => b.id === 'team:cli/year')?.pace;
    }, { timeout: 5000 }).toEqual({ action: 'downgrade', model: 'cheap-gpt' });
    await expect(tollgate(['budgets', 'set', 'team:cli', '--usd', '5', '--pace', 'downgrade', '--config', cfg])).rejects.toThrow(/pace\.model/);
  });

  it('alerts once a day when a `pace: alert` budget spends its allowance', async () => {
    await setBudget({ scope: 'team:noisy', limit_usd: 0.2, period: 'month', pace: { action: 'alert' } });
    const key = await s.createKey({ team: 'noisy' });
    for (let i = 0; i < 8; i++) expect((await chat(key)).status).toBe(200);
    await expect.poll(() => received.filter((x) => x['kind'] === 'budget_pacing').length, { timeout: 5000 }).toBe(1);
    const a = received.find((x) => x['kind'] === 'budget_pacing')!;
    expect(a).toMatchObject({ budget: { scope: 'team:noisy' }, date: '2026-11-11', allowance_usd: 0.01 });
    expect(a['text']).toMatch(/paced budget team:noisy \(month\) spent today's allowance/);
  });
});
