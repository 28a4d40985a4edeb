/** More limits: token budgets and tokens per minute, budgets from config, run budgets per team, Redis round trips per call, reconciliation after a Redis outage. */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './net.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisCounterStore } from '../../src/storage/redis/counter-store.js';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { budgetState } from './overshoot.js';
import { budgetUsdLimit } from '../../src/policy/limits.js';

const post = (s: Stack, key: string, d: Record<string, unknown>, maxTokens = 50): Promise<Response> =>
  fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'test-gpt', max_tokens: maxTokens, messages: [{ role: 'user', content: directive(d) }] }),
  });

describe('token limits and budgets from config', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({
      config: (base) => ({
        ...base,
        models: {
          ...(base['models'] as object),
          'vision-mini': { provider: 'openai', upstream_model: 'gpt-4o-mini', price: { input_per_mtok: 0.15, output_per_mtok: 0.6 } },
          'vision-small-images': { provider: 'openai', upstream_model: 'gpt-4o-mini', price: { input_per_mtok: 0.15, output_per_mtok: 0.6 }, image_tokens: 100 },
        },
        budgets: [
          { scope: 'team:vision', limit_usd: 0.05, period: 'day' },
          { scope: 'team:tokens', limit_usd: 100, limit_tokens: 2000, period: 'day' },
          { scope: 'tag:batch', limit_usd: 0, period: 'month' },
          { scope: 'run:*', limit_usd: 100, limit_tokens: 1000, period: 'day' },
        ],
        rate_limits: [{ scope: 'user:tpm-user', tpm: 1500 }],
      }),
    });
  });
  afterAll(() => s.close());

  it('enforces a token limit on a budget', async () => {
    const key = await s.createKey({ team: 'tokens', unlimited: true });
    const responses: Response[] = [];
    for (let i = 0; i < 10; i++) responses.push(await post(s, key, { completion_tokens: 50, prompt_tokens: 150 }));
    // Each call uses 200 tokens; the worst case (body bytes + 50) must still fit under 2,000.
    expect(responses.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5);
    const refused = responses.find((r) => r.status === 402)!;
    const err = (await refused.json()) as { error: { code: string; budget: { unit: string } } };
    expect(err.error).toMatchObject({ code: 'budget_exceeded', budget: { unit: 'tokens' } });
    // The budget list shows the tokens used this period beside the token limit, as it shows dollars.
    const list = async (auth: string) =>
      ((await (await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${auth}` } })).json()) as { data: Record<string, unknown>[] }).data;
    const ok = responses.filter((r) => r.status === 200).length;
    const admin = await list(ADMIN_KEY);
    const tokens = admin.find((x) => x['id'] === 'team:tokens/day')!;
    expect(tokens).toMatchObject({ limit_tokens: 2000, spent_tokens: ok * 200, reserved_tokens: 0, token_utilisation: (ok * 200) / 2000 });
    expect(tokens['spent_usd']).toBeGreaterThan(0);
    // A budget without a token limit shows no token counts.
    expect(admin.find((x) => x['id'] === 'tag:batch/month')).not.toHaveProperty('spent_tokens');
    // A team sees its own budgets only, token spend included.
    const own = await list(key);
    expect(own.map((x) => x['id'])).toEqual(['team:tokens/day']);
    expect(own[0]).toMatchObject({ spent_tokens: ok * 200 });
  });

  it('clamps on a token limit (clamp: true): the output bound shrinks to what the tokens left allow, per choice with n', async () => {
    const budget = async (team: string) => {
      const r = await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ scope: `team:${team}`, limit_usd: 100, limit_tokens: 5000, clamp: true, period: 'day' }) });
      expect(r.status).toBe(201);
      return s.createKey({ team, unlimited: true });
    };
    const chat = (key: string, body: Record<string, unknown>) =>
      fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test-gpt', ...body }) });
    const spentTokens = async (team: string) => {
      const list = (await (await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: { scope: string; spent_tokens: number }[] };
      return list.data.find((x) => x.scope === `team:${team}`)!.spent_tokens;
    };
    const key = await budget('tok-clamp');
    expect((await chat(key, { max_tokens: 3000, messages: [{ role: 'user', content: directive({ completion_tokens: 3000 }) }] })).status).toBe(200);
    // About 1,900 tokens remain: the default bound (4,096) is clamped to them instead of refused.
    const second = await chat(key, { messages: [{ role: 'user', content: 'Second.' }] });
    expect(second.status).toBe(200);
    const clamped = Number(second.headers.get('x-tollgate-clamped-max-tokens'));
    expect(clamped).toBeGreaterThan(1_500);
    expect((s.mock.stats.lastBody as { max_tokens: number }).max_tokens).toBe(clamped);
    expect(await spentTokens('tok-clamp')).toBeLessThanOrEqual(5000);
    // n = 3 choices of the default 4,096 would be 12,288 tokens: each choice gets a third of what fits.
    const key3 = await budget('tok-clamp-n');
    const third = await chat(key3, { n: 3, messages: [{ role: 'user', content: directive({ completion_tokens: 3000 }) }] });
    expect(third.status).toBe(200);
    const perChoice = Number(third.headers.get('x-tollgate-clamped-max-tokens'));
    expect(perChoice).toBeGreaterThan(1_500);
    expect(perChoice).toBeLessThan(5000 / 3);
    expect(await spentTokens('tok-clamp-n')).toBeLessThanOrEqual(5000);
  });

  it("reserves a model's own image bound: gpt-4o-mini's images cost up to 48,169 tokens each, not 3,000", async () => {
    const key = await s.createKey({ team: 'vision', unlimited: true });
    const image = { type: 'image_url', image_url: { url: 'https://example.com/chart.png', detail: 'high' } };
    const call = (model: string): Promise<Response> =>
      fetch(`${s.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'text', text: 'Compare these charts.' }, ...Array(10).fill(image)] }] }),
      });
    // Ten images at gpt-4o-mini's bound are $0.072 of input at $0.15/M: over the $0.05 budget (at 3,000 tokens an image, $0.0045, it went through).
    const refused = await call('vision-mini');
    expect(refused.status).toBe(402);
    const err = (await refused.json()) as { error: { code: string; requested: number } };
    expect(err.error.code).toBe('budget_exceeded');
    expect(err.error.requested).toBeGreaterThan((10 * 48_169 * 0.15) / 1e6);
    // A model whose images the config bounds lower is reserved on that bound.
    expect((await call('vision-small-images')).status).toBe(200);
  });

  it("counts a run budget per team: one team's run spending it leaves another team's run of the same id alone", async () => {
    const [a, b] = [await s.createKey({ team: 'run-a', unlimited: true }), await s.createKey({ team: 'run-b', unlimited: true })];
    const runId = `r-${randomBytes(3).toString('hex')}`;
    const call = (key: string): Promise<Response> =>
      fetch(`${s.gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-tollgate-run': runId },
        body: JSON.stringify({ model: 'test-gpt', max_tokens: 50, messages: [{ role: 'user', content: directive({ completion_tokens: 50, prompt_tokens: 150 }) }] }),
      });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 8 && !refused; i++) {
      const r = await call(a);
      statuses.push(r.status);
      if (r.status === 402) refused = r;
    }
    expect(statuses.filter((x) => x === 200).length).toBeGreaterThanOrEqual(2);
    const err = (await refused!.json()) as { error: { code: string; budget: { id: string; scope: string } } };
    expect(err.error).toMatchObject({ code: 'budget_exceeded', budget: { id: 'run:*/day', scope: `run:${runId}` } });
    // Team b's run of the same id has its own counter, with the whole budget left.
    for (let i = 0; i < 2; i++) expect((await call(b)).status).toBe(200);
    expect((await call(a)).status).toBe(402);
    // Counted per run and team: no single "spent" to show for it.
    const list = (await (await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: Record<string, unknown>[] };
    expect(list.data.find((x) => x['id'] === 'run:*/day')).not.toHaveProperty('spent_usd');
  });

  it('applies config budgets to tags, and lists them with their source', async () => {
    const key = await s.createKey({ team: 'other', unlimited: true });
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-tollgate-tags': 'nightly,batch' },
      body: JSON.stringify({ model: 'test-gpt', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(402);
    expect((await post(s, key, {})).status).toBe(200); // untagged: not this budget
    const list = (await (await fetch(`${s.gw.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { data: { id: string; source: string }[] };
    expect(list.data).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'tag:batch/month', source: 'config' }), expect.objectContaining({ id: 'key:*/month', source: 'default' })]));
  });

  it('a budget deleted and created again in the same period counts what was spent meanwhile', async () => {
    const key = await s.createKey({ team: 'again', unlimited: true });
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${s.gw.url}${path}`, { method, headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const create = async () => expect((await admin('POST', '/admin/v1/budgets', { scope: 'team:again', limit_usd: 1, period: 'day' })).status).toBeLessThan(300);
    const spend = async (n: number) => {
      for (let i = 0; i < n; i++) expect((await post(s, key, { completion_tokens: 10, prompt_tokens: 10 })).status).toBe(200);
    };
    await create();
    await spend(2);
    expect((await admin('DELETE', `/admin/v1/budgets/${encodeURIComponent('team:again/day')}`)).status).toBeLessThan(300);
    await spend(3);
    await create();
    const ledgerNanos = (await s.calls()).filter((r) => r.team === 'again').reduce((t, r) => t + r.costNanos, 0);
    // The first call under the new budget fills its counter from the ledger: all five calls, not the old counter's two.
    await spend(1);
    const state = await budgetState(s.gw.url, 'team:again/day');
    expect(state.spent_nanos).toBeGreaterThan(ledgerNanos);
    expect(state.spent_nanos).toBe((await s.calls()).filter((r) => r.team === 'again').reduce((t, r) => t + r.costNanos, 0));
  });

  it('a call in flight when a budget is created is counted on it, though another call filled its counter meanwhile', async () => {
    const key = await s.createKey({ team: 'inflight', unlimited: true });
    const slow = post(s, key, { completion_tokens: 40, prompt_tokens: 30, first_byte_delay_ms: 1_000 });
    await new Promise((r) => setTimeout(r, 300)); // the slow call has reserved (on nothing) and waits for the provider
    const created = await fetch(`${s.gw.url}/admin/v1/budgets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'team:inflight', limit_usd: 1, period: 'day' }),
    });
    expect(created.status).toBeLessThan(300);
    // This call fills the new budget's counter from the ledger, which does not hold the slow call yet.
    expect((await post(s, key, { completion_tokens: 10, prompt_tokens: 10 })).status).toBe(200);
    expect((await slow).status).toBe(200);
    const rows = (await s.calls()).filter((r) => r.team === 'inflight');
    expect(rows).toHaveLength(2);
    const state = await budgetState(s.gw.url, 'team:inflight/day');
    expect(state.spent_nanos).toBe(rows.reduce((t, r) => t + r.costNanos, 0));
    expect(state.reserved_nanos).toBe(0);
  });

  it('counts the calls in flight when a budget is created against it before admitting another call', async () => {
    const key = await s.createKey({ team: 'running', unlimited: true });
    // Three slow calls start with no budget in place: each may cost up to about $0.0007 (50 output tokens at $10/Mtok and the prompt bound).
    const slow = [0, 1, 2].map(() => post(s, key, { completion_tokens: 40, prompt_tokens: 30, first_byte_delay_ms: 1_200 }));
    await new Promise((r) => setTimeout(r, 300));
    const created = await fetch(`${s.gw.url}/admin/v1/budgets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scope: 'team:running', limit_usd: 0.0021, period: 'day' }),
    });
    expect(created.status).toBeLessThan(300);
    // Their worst cases (~$0.0022) already fill the $0.0021 budget: the next call is refused while they run.
    const next = await post(s, key, { completion_tokens: 40, prompt_tokens: 30 });
    expect(next.status).toBe(402);
    const during = await budgetState(s.gw.url, 'team:running/day');
    expect(during.reserved_nanos).toBeGreaterThan(2_000_000);
    for (const r of await Promise.all(slow)) expect(r.status).toBe(200);
    // Settled to their real cost (~$0.0004 each), with nothing left reserved.
    const rows = (await s.calls()).filter((r) => r.team === 'running' && r.status === 'ok');
    expect(rows).toHaveLength(3);
    const after = await budgetState(s.gw.url, 'team:running/day');
    expect(after.spent_nanos).toBe(rows.reduce((t, r) => t + r.costNanos, 0));
    expect(after.reserved_nanos).toBe(0);
    expect((await post(s, key, { completion_tokens: 40, prompt_tokens: 30 })).status).toBe(200);
  });

  it('limits tokens per minute', async () => {
    const key = await s.createKey({ team: 'x', user: 'tpm-user', unlimited: true });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await post(s, key, { completion_tokens: 50, prompt_tokens: 150 })).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
  });
});

describe('Redis: round trips and recovery', () => {
  let redis: ChildProcess;
  let port: number;
  const prefix = `tgrt${randomBytes(3).toString('hex')}`;

  async function startRedis(): Promise<void> {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = await RedisCounterStore.connect({ url: `redis://127.0.0.1:${port}` }).catch(() => null);
    for (let i = 0; i < 50 && !(await probe?.read([], 0).then(() => true).catch(() => false)); i++) await new Promise((r) => setTimeout(r, 100));
    await probe?.close();
  }

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(() => {
    redis.kill('SIGKILL');
  });

  it('uses at most two Redis round trips per call, and reconciles local spend after an outage (fail open)', async () => {
    const s = await startStack({ config: (base) => ({ ...base, limits: { kind: 'redis', url: `redis://127.0.0.1:${port}`, prefix, fail: 'open' } }) });
    try {
      await fetch(`${s.gw.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify({ scope: 'team:rt', limit_usd: 10, period: 'day' }) });
      const key = await s.createKey({ team: 'rt' });
      expect((await post(s, key, { completion_tokens: 10 })).status).toBe(200); // warms up: seeds counters once
      const counters = (s.gw.deps.limiter as unknown as { o: { counters: RedisCounterStore } }).o.counters;
      const before = counters.roundTrips;
      for (let i = 0; i < 20; i++) expect((await post(s, key, { completion_tokens: 10 })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      expect(counters.roundTrips - before).toBeLessThanOrEqual(40);
      expect(counters.roundTrips - before).toBeGreaterThanOrEqual(40);

      const spentBefore = (await budgetState(s.gw.url, 'team:rt/day')).spent_nanos;
      redis.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      for (let i = 0; i < 5; i++) expect((await post(s, key, { completion_tokens: 10 })).status).toBe(200);
      const teamSpend = async (): Promise<number> => (await s.calls()).filter((r) => r.team === 'rt').reduce((sum, r) => sum + r.costNanos, 0);
      const record = (await s.gw.deps.store.listBudgets()).find((b) => b.id === 'team:rt/day')!;
      const counterUsed = async (): Promise<number> => {
        const c = await RedisCounterStore.connect({ url: `redis://127.0.0.1:${port}`, prefix });
        try {
          return (await c.read([budgetUsdLimit(record, 'UTC', Date.now()).key], Date.now()))[0]!.used;
        } finally {
          await c.close();
        }
      };
      await startRedis();
      // Redis came back empty. The outage's local spend is not added to a counter nobody has seeded
      // (the reconcile, about once a second, drops it): the ledger holds it, and the call that finds
      // Redis back seeds the counter from the ledger. Counted once, then: the counter equals the ledger.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await counterUsed()).toBe(0);
      expect((await post(s, key, { completion_tokens: 10 })).status).toBe(200);
      await expect.poll(async () => (await counterUsed()) === (await teamSpend()), { timeout: 10_000, interval: 250 }).toBe(true);
      expect(await counterUsed()).toBeGreaterThan(spentBefore);
      expect(spentBefore).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  }, 30_000);
});
