/**
 * Many instances: three gateways sharing Postgres (ledger, keys, budgets) and Redis (counters)
 * keep a team budget exactly, and a gateway killed mid-load leaks no reservation.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { budgetState, runOvershoot, setUpSpenders } from './overshoot.js';
import { exited, startGatewayProcess } from './process.js';

const PG = process.env['TOLLGATE_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS = process.env['TOLLGATE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(4).toString('hex');
const schema = `tg_e2e_${suffix}`;
const prefix = `tge2e${suffix}`;

let mock: MockProvider;
const stacks: Stack[] = [];

function shared(base: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...base,
    server: { host: '127.0.0.1', port: 0 },
    store: { kind: 'postgres', url: PG, schema, pool_size: 5 },
    limits: { kind: 'redis', url: REDIS, prefix, fail: 'closed' },
    ...extra,
  };
}

beforeAll(async () => {
  mock = await startMockProvider();
  // Start one first so migrations run once, then two more.
  stacks.push(await startStack({ sharedMock: mock, config: (b) => shared(b) }));
  stacks.push(...(await Promise.all([1, 2].map(() => startStack({ sharedMock: mock, config: (b) => shared(b) })))));
});

afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await mock.close();
  const client = new pg.Client({ connectionString: PG });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
  const r = new Redis(REDIS);
  const keys = await r.keys(`{${prefix}}*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

describe('budgets across three instances (Redis + Postgres)', () => {
  it('keeps 2,000 concurrent calls spread over three gateways within a $1.00 team budget', async () => {
    const key = await setUpSpenders(stacks[0]!);
    // Let the other instances see the new key and budget (they poll every 500 ms).
    await new Promise((r) => setTimeout(r, 700));
    await runOvershoot(stacks, key);
  }, 180_000);

  it('lets the reservations of a gateway killed mid-load expire', async () => {
    const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
    const url = stacks[0]!.gw.url;
    await fetch(`${url}/admin/v1/budgets`, { method: 'POST', headers: admin, body: JSON.stringify({ scope: 'team:crashers', limit_usd: 5, period: 'day' }) });
    const res = await fetch(`${url}/admin/v1/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ team: 'crashers', unlimited: true }) });
    const key = ((await res.json()) as { key: string }).key;

    const cfg = join(stacks[0]!.dir, 'victim.yaml');
    writeFileSync(
      cfg,
      JSON.stringify({
        ...shared({}, { reservation_lease_ms: 2000 }),
        admin_key: ADMIN_KEY,
        log: { level: 'info' },
        providers: { openai: { kind: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-x' } },
        models: { 'test-gpt': { provider: 'openai', price: { input_per_mtok: 1.25, output_per_mtok: 10 } } },
      }),
    );
    const victim = await startGatewayProcess(['-c', cfg]);
    // Slow streams that will still be running when the gateway dies.
    const streams = Array.from({ length: 10 }, (_, i) =>
      fetch(`${victim.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test-gpt', stream: true, max_tokens: 1000, messages: [{ role: 'user', content: directive({ completion_tokens: 1000, chunk_delay_ms: 50 }, `s${i}`) }] }),
      }).then((r) => r.body?.getReader().read()).catch(() => undefined),
    );
    await Promise.all(streams);
    const held = await budgetState(url, 'team:crashers/day');
    expect(held.reserved_nanos).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await exited(victim.child);
    // Nobody renews the dead gateway's leases: after 2 s they no longer count.
    await expect.poll(async () => (await budgetState(url, 'team:crashers/day')).reserved_nanos, { timeout: 6000, interval: 250 }).toBe(0);
  }, 30_000);
});
