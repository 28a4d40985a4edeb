/**
 * `tollgate demo` in code: the mock provider, a gateway on a temp SQLite ledger with four weeks of
 * seeded history, four teams' keys and live traffic. Used by the CLI, the screenshots and the tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { configSchema } from '../config/schema.js';
import { startGateway, type Gateway } from '../main.js';
import { startMockProvider, type MockProvider } from '../mock/index.js';
import { openStore } from '../storage/index.js';
import { demoConfig, type DemoBudgets } from './config.js';
import { appendInBatches, DEMO_TEAMS, seedRows } from './seed.js';
import { Traffic, type TrafficKeys } from './traffic.js';

export interface Demo {
  url: string;
  dashboardUrl: string;
  adminKey: string;
  /** A platform-team key: signs in to the dashboard as a read-only team viewer. */
  viewerKey: string;
  keys: TrafficKeys;
  gateway: Gateway;
  mock: MockProvider;
  traffic: Traffic | null;
  close(): Promise<void>;
}

export interface DemoOptions {
  host?: string;
  port?: number;
  adminKey?: string;
  /** Days of seeded history (default 28). */
  days?: number;
  /** Start simulated traffic (default true). */
  traffic?: boolean;
  /** Scales traffic pauses (tests: small). */
  pace?: number;
  log?: Logger;
  /** The gateway's log level (default error: the demo prints its own summary). */
  logLevel?: 'error' | 'warn' | 'info' | 'silent';
  now?: () => number;
}

/** Budgets sized from the seeded history: the org runs out near the month's end, growth within minutes. */
function budgetsFor(now: number, days: number): DemoBudgets {
  const d = new Date(now);
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1).getUTCDate();
  let growthMonth = 0;
  for (const r of seedRows({ now, days, callsPerDay: 24 })) if (r.team === 'growth' && r.startedAt >= monthStart) growthMonth += r.costNanos;
  const dailyAll = DEMO_TEAMS.reduce((s, t) => s + t.dailyUsd * (1 + t.trend * days), 0);
  return {
    orgUsd: Math.round(dailyAll * daysInMonth * 0.95),
    platformUsd: Math.round(DEMO_TEAMS[0]!.dailyUsd * 1.3 * daysInMonth),
    // What growth spent this month so far plus a few dollars: its traffic reaches the limit soon.
    growthUsd: Math.round(growthMonth / 1e7) / 100 + 4,
  };
}

async function createKey(url: string, adminKey: string, team: string, project: string, user: string): Promise<string> {
  const res = await fetch(`${url}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ team, project, user, name: `demo ${team}`, unlimited: true }),
  });
  if (res.status !== 201) throw new Error(`demo: creating a key failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

export async function startDemo(o: DemoOptions = {}): Promise<Demo> {
  const now = o.now ?? Date.now;
  const days = o.days ?? 28;
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-demo-'));
  const mock = await startMockProvider();
  const adminKey = o.adminKey ?? `admin-${randomBytes(12).toString('base64url')}`;
  const raw = demoConfig({ mockUrl: mock.url, dir, host: o.host ?? '127.0.0.1', port: o.port ?? 4000, adminKey, budgets: budgetsFor(now(), days), logLevel: o.logLevel ?? 'error' });
  const config = configSchema.parse(raw);

  let gateway: Gateway;
  try {
    // History first, so the gateway rebuilds its budget counters from it at start.
    const store = await openStore(config.store);
    await store.migrate();
    await appendInBatches(store, seedRows({ now: now(), days, callsPerDay: 24 }));
    await store.close();
    gateway = await startGateway(config, { log: o.log ?? pino({ level: o.logLevel ?? 'error' }), now });
  } catch (err) {
    // A demo that cannot start (its port taken) leaves no mock running and no seeded ledger behind.
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = gateway.url;
  const keys: TrafficKeys = {
    platform: await createKey(url, adminKey, 'platform', 'code-assistant', 'ada'),
    data: await createKey(url, adminKey, 'data', 'nightly-etl', 'etl-bot'),
    research: await createKey(url, adminKey, 'research', 'deep-review', 'grace'),
    growth: await createKey(url, adminKey, 'growth', 'outreach', 'linus'),
  };
  const traffic = o.traffic === false ? null : new Traffic(url, keys, o.pace ?? 1);
  traffic?.start();
  let closed = false;
  return {
    url,
    dashboardUrl: `${url}/dashboard/`,
    adminKey,
    viewerKey: keys.platform,
    keys,
    gateway,
    mock,
    traffic,
    async close() {
      if (closed) return;
      closed = true;
      await traffic?.stop();
      await gateway.close(1000);
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

