/** Budget actions and protections: clamp, downgrade, alerts, defaults, rate limits, period reset, changes without restart. */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { budgetState } from './overshoot.js';
import { tollgate } from './process.js';
import { pino } from 'pino';
import { startGateway } from '../../src/main.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
let clock = Date.parse('2026-11-30T23:59:00Z');
let s: Stack;
let hook: Server;
let hookUrl: string;
const received: Record<string, unknown>[] = [];
let failNext = 0;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/hook`;
  s = await startStack({
    now: () => clock,
    config: (base) => ({
      ...base,
      alerts: { webhook_url: hookUrl, retries: 3 },
      defaults: { key_budget: { limit_usd: 0.01, period: 'day' }, key_rate_limit: { rpm: 5 }, max_tokens: 300, min_clamp_tokens: 16 },
      rate_limits: [{ scope: 'team:bursty', concurrent: 2 }],
      models: {
        ...(base['models'] as object),
        'cheap-gpt': { provider: 'openai', price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } },
      },
    }),
  });
});
afterAll(async () => {
  await s.close();
  hook.close();
});

async function setBudget(b: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: admin, body: JSON.stringify(b) });
  expect(r.status).toBe(201);
}

async function chat(key: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

const msg = (d: Record<string, unknown>, text = 'x'): { role: 'user'; content: string }[] => [{ role: 'user', content: directive(d, text) }];

describe('budget actions', () => {
  it('gives every new key a default budget and rate limit, unless it is created unlimited', async () => {
    const key = await s.createKey({ team: 'newbies' });
    // $0.01 a day: a 300-token worst case at $10/Mtok is $0.003, so three calls fit, the fourth does not.
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await chat(key, { model: 'test-gpt', messages: msg({ completion_tokens: 300 }) }));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 402]);
    const e = results[3]!.json['error'] as Record<string, unknown>;
    expect(e['code']).toBe('budget_exceeded');
    expect(e['budget']).toMatchObject({ scope: expect.stringMatching(/^key:/), period: 'day' });
    expect(e['resets_at']).toBe('2026-12-01T00:00:00.000Z');
    expect(e['message']).toMatch(/resets at 2026-12-01/);
    // The injected max_tokens bounded the worst case.
    expect((s.mock.stats.lastBody as { max_tokens?: number }).max_tokens).toBe(300);

    const free = await s.createKey({ team: 'newbies', unlimited: true });
    for (let i = 0; i < 7; i++) expect((await chat(free, { model: 'test-gpt', messages: msg({ completion_tokens: 300 }) })).status).toBe(200);
    // Nothing is reserved for a call no budget or rate limit covers: its request goes upstream as the client sent it.
    expect(s.mock.stats.lastBody).not.toHaveProperty('max_tokens');
    expect(s.mock.stats.lastBody).not.toHaveProperty('max_completion_tokens');
  });

  it('refuses past the default rate limit with 429, Retry-After and rate_limited', async () => {
    const key = await s.createKey({ team: 'chatty' });
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push((await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) })).status);
    expect(codes).toEqual([200, 200, 200, 200, 200, 429]);
    const r = await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) });
    expect(r.status).toBe(429);
    expect((r.json['error'] as { code: string }).code).toBe('rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits concurrent calls per scope', async () => {
    const key = await s.createKey({ team: 'bursty', unlimited: true });
    const slow = (): Promise<number> => chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({ first_byte_delay_ms: 300 }) }).then((r) => r.status);
    const codes = await Promise.all([slow(), slow(), slow()]);
    expect(codes.sort()).toEqual([200, 200, 429]);
    expect(await slow()).toBe(200); // released after the calls ended
  });

  it('clamps max_tokens to what remains instead of refusing, and never overshoots', async () => {
    await setBudget({ scope: 'team:clampers', limit_usd: 0.005, period: 'month', clamp: true });
    const key = await s.createKey({ team: 'clampers', unlimited: true });
    // Each call's worst case (1000 tokens at $10/Mtok = $0.01) exceeds the whole budget: clamped.
    const first = await chat(key, { model: 'test-gpt', max_tokens: 1000, messages: msg({ completion_tokens: 1000 }) });
    expect(first.status).toBe(200);
    const clamped = Number(first.headers.get('x-tollgate-clamped-max-tokens'));
    expect(clamped).toBeGreaterThan(16);
    expect(clamped).toBeLessThan(500);
    expect((s.mock.stats.lastBody as { max_tokens: number }).max_tokens).toBe(clamped);
    let statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await chat(key, { model: 'test-gpt', max_tokens: 1000, messages: msg({ completion_tokens: 1000 }) })).status);
    statuses = statuses.filter((x) => x !== 200);
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([402]));
    const state = await budgetState(s.gw.url, 'team:clampers/month');
    expect(state.spent_nanos).toBeLessThanOrEqual(5_000_000);
    expect(state.spent_nanos).toBeGreaterThan(4_000_000);
  });

  it('downgrades to a cheaper model past the threshold', async () => {
    await setBudget({ scope: 'project:saver', limit_usd: 0.01, period: 'month', downgrade: { at_pct: 50, model: 'cheap-gpt' } });
    const key = await s.createKey({ team: 'savers', project: 'saver', unlimited: true });
    const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 0 });
    const served: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { data, response } = await client.chat.completions
        .create({ model: 'test-gpt', max_tokens: 200, messages: msg({ completion_tokens: 200 }) })
        .withResponse();
      served.push(`${data.model}|${response.headers.get('x-tollgate-downgraded-by') ?? ''}`);
    }
    // About $0.002 per call: before the 4th call, 60% of the $0.01 is used.
    const primary = 'gpt-test-upstream|';
    const cheap = 'cheap-gpt|project:saver/month';
    expect(served).toEqual([primary, primary, primary, cheap, cheap]);
    const rows = (await s.calls()).filter((r) => r.project === 'saver');
    expect(rows.map((r) => `${r.requestedModel}>${r.servedModel}`).sort()).toEqual(['test-gpt>cheap-gpt', 'test-gpt>cheap-gpt', 'test-gpt>test-gpt', 'test-gpt>test-gpt', 'test-gpt>test-gpt']);
  });

  it('alerts at thresholds through a webhook, retried, once per threshold and period', async () => {
    await setBudget({ scope: 'team:watched', limit_usd: 0.01, period: 'month', alert_at: [50, 80] });
    const key = await s.createKey({ team: 'watched', unlimited: true });
    failNext = 1; // the first delivery fails and must be retried
    for (let i = 0; i < 5; i++) await chat(key, { model: 'test-gpt', max_tokens: 200, messages: msg({ completion_tokens: 200 }) }); // $0.002 each
    await expect.poll(() => received.filter((a) => (a['budget'] as { scope: string }).scope === 'team:watched').length, { timeout: 5000 }).toBe(2);
    const alerts = received.filter((a) => (a['budget'] as { scope: string }).scope === 'team:watched');
    expect(alerts.map((a) => a['threshold_pct']).sort()).toEqual([50, 80]);
    expect(alerts.find((a) => a['threshold_pct'] === 50)!['text']).toMatch(/team:watched \(month\) reached 50%/);
  });

  it("names a run's team in its run:* budget's alerts (two teams may use one run id)", async () => {
    await setBudget({ scope: 'run:*', limit_usd: 1, period: 'day', alert_at: [1] });
    try {
      const key = await s.createKey({ team: 'runners', unlimited: true });
      const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-tollgate-run': 'shared-run-id' },
        body: JSON.stringify({ model: 'test-gpt', max_tokens: 2000, messages: msg({ completion_tokens: 2000 }) }), // $0.02: 2%
      });
      expect(res.status).toBe(200);
      const mine = () => received.filter((a) => (a['budget'] as { scope: string }).scope === 'run:shared-run-id');
      await expect.poll(() => mine().length, { timeout: 5000 }).toBe(1);
      expect(mine()[0]!['budget']).toMatchObject({ team: 'runners' });
      expect(mine()[0]!['text']).toMatch(/run:shared-run-id of team runners/);
    } finally {
      await fetch(`${s.gw.url}/admin/v1/budgets/${encodeURIComponent('run:*/day')}`, { method: 'DELETE', headers: admin });
    }
  });

  it('does not send an alert again after a restart in the same period (another gateway on the same ledger)', async () => {
    await setBudget({ scope: 'team:restarted', limit_usd: 0.01, period: 'month', alert_at: [50] });
    const key = await s.createKey({ team: 'restarted', unlimited: true });
    for (let i = 0; i < 3; i++) await chat(key, { model: 'test-gpt', max_tokens: 200, messages: msg({ completion_tokens: 200 }) }); // $0.002 each
    const sent = () => received.filter((a) => (a['budget'] as { scope: string }).scope === 'team:restarted').length;
    await expect.poll(sent, { timeout: 5000 }).toBe(1);
    await s.gw.deps.recorder.flush();
    // A gateway started afresh on this ledger: its counters are filled from the ledger, 60% spent already.
    clock += 1000;
    const again = await startGateway(s.config, { log: pino({ level: 'silent' }), now: () => clock });
    try {
      const res = await fetch(`${again.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test-gpt', max_tokens: 200, messages: msg({ completion_tokens: 200 }) }),
      });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
      expect(sent()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it('starts a new period at the calendar boundary', async () => {
    await setBudget({ scope: 'user:night-owl', limit_usd: 0.004, period: 'month' });
    const key = await s.createKey({ team: 'owls', user: 'night-owl', unlimited: true });
    expect((await chat(key, { model: 'test-gpt', max_tokens: 300, messages: msg({ completion_tokens: 300 }) })).status).toBe(200);
    const refused = await chat(key, { model: 'test-gpt', max_tokens: 300, messages: msg({}) });
    expect(refused.status).toBe(402);
    expect((refused.json['error'] as { resets_at: string }).resets_at).toBe('2026-12-01T00:00:00.000Z');
    clock = Date.parse('2026-12-01T00:00:00Z');
    expect((await chat(key, { model: 'test-gpt', max_tokens: 300, messages: msg({}) })).status).toBe(200);
  });

  it('takes budget changes from the admin API and the CLI on the next call, without a restart', async () => {
    const key = await s.createKey({ team: 'movers', unlimited: true });
    await setBudget({ scope: 'team:movers', limit_usd: 0, period: 'day' });
    expect((await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) })).status).toBe(402);
    const del = await fetch(`${s.gw.url}/admin/v1/budgets/${encodeURIComponent('team:movers/day')}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(200);
    expect((await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) })).status).toBe(200);
    // Another process (the CLI) writes the budget; the gateway sees it within a second.
    const cfgPath = `${s.dir}/cli.yaml`;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(cfgPath, `store: { kind: sqlite, path: "${s.config.store.kind === 'sqlite' ? s.config.store.path : ''}" }\n`);
    await tollgate(['budgets', 'set', 'team:movers', '--usd', '0', '--period', 'week', '-c', cfgPath]);
    await expect.poll(async () => (await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) })).status, { timeout: 3000, interval: 100 }).toBe(402);
    const list = JSON.parse((await tollgate(['budgets', 'list', '--json', '-c', cfgPath])).stdout) as { data: { id: string }[] };
    expect(list.data.map((b) => b.id)).toContain('team:movers/week');
    await tollgate(['budgets', 'rm', 'team:movers', '-c', cfgPath]);
    await expect.poll(async () => (await chat(key, { model: 'test-gpt', max_tokens: 5, messages: msg({}) })).status, { timeout: 3000, interval: 100 }).toBe(200);
  });

  it('refuses to remove a budget that comes from the config, which would return at the next start', async () => {
    const id = encodeURIComponent('key:*/day');
    const del = await fetch(`${s.gw.url}/admin/v1/budgets/${id}`, { method: 'DELETE', headers: admin });
    expect(del.status).toBe(400);
    const body = (await del.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/defaults\.key_budget/);
    const list = (await (await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: admin })).json()) as { data: { id: string }[] };
    expect(list.data.map((b) => b.id)).toContain('key:*/day');
  });

  it('the SDK does not retry a budget refusal', async () => {
    await setBudget({ scope: 'team:stoppers', limit_usd: 0, period: 'day' });
    const key = await s.createKey({ team: 'stoppers', unlimited: true });
    const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 3 });
    const err = await client.chat.completions.create({ model: 'test-gpt', messages: msg({}) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as { status: number }).status).toBe(402);
    expect((await s.calls()).filter((r) => r.team === 'stoppers')).toHaveLength(1);
  });
});
