/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core; never a
 * download) against `startDemo` (seeded history, no background traffic): sign-in, the overview's
 * burn chart and its period label, live runs over SSE and the kill button, key creation, team scoping
 * (runs included), CSRF, the budgets table at 1280 px.
 * Needs the built dashboard: `npm run build` (npm test does it first).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemo, type Demo } from '../../src/demo/index.js';
import { seedRows } from '../../src/demo/seed.js';

const ADMIN = 'dash-admin-key';
const DAYS = 20;
const CHROMIUM = '/usr/bin/chromium';

let demo: Demo;
let browser: Browser;

async function signIn(key: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${demo.url}/dashboard/`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-page="Overview"][data-ready="true"]');
  return page;
}

async function goTo(page: Page, label: string, title = label): Promise<void> {
  await page.click(`nav >> text="${label}"`);
  await page.waitForSelector(`[data-page="${title}"][data-ready="true"]`);
}

async function chat(key: string, headers: Record<string, string>, content: string): Promise<{ status: number; code: string | null }> {
  const res = await fetch(`${demo.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-5-mini', max_tokens: 50, messages: [{ role: 'user', content }] }),
  });
  const body = (await res.json()) as { error?: { code?: string } };
  return { status: res.status, code: body.error?.code ?? null };
}

beforeAll(async () => {
  if (!existsSync('dist/dashboard/index.html')) throw new Error('dashboard not built: run `npm run build` first');
  demo = await startDemo({ port: 0, adminKey: ADMIN, traffic: false, days: DAYS, logLevel: 'silent' });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
});

describe('dashboard', () => {
  it('refuses a wrong key at sign-in with a readable error', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${demo.url}/dashboard/budgets`);
    await page.fill('input[name=key]', 'not-a-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toMatch(/valid admin key/i);
    await page.context().close();
  });

  it('signs in with the admin key and the overview chart shows the seeded spend of this month', async () => {
    const page = await signIn(ADMIN);
    // Independent expectation: the seeded rows of this month (UTC), summed per day, cumulated.
    const now = Date.now();
    const month = new Date(now).toISOString().slice(0, 7);
    const perDay = new Map<string, number>();
    for (const r of seedRows({ now, days: DAYS, callsPerDay: 24 })) {
      const d = new Date(r.startedAt).toISOString().slice(0, 10);
      if (d.startsWith(month)) perDay.set(d, (perDay.get(d) ?? 0) + r.costNanos);
    }
    const totalUsd = [...perDay.values()].reduce((a, b) => a + b, 0) / 1e9;
    if (totalUsd === 0) {
      await page.waitForSelector('text=No spend this month yet');
      return;
    }
    const raw = await page.getAttribute('[data-chart="burn"]', 'data-series');
    const exposed = JSON.parse(raw!) as { days: string[]; series: { label: string; values: (number | null)[] }[]; limit: number | null };
    const spent = exposed.series.find((s) => s.label === 'Spent')!;
    const lastSpent = spent.values.filter((v) => v !== null).at(-1)!;
    expect(lastSpent).toBeCloseTo(totalUsd, 4);
    // Each day's cumulative value matches the seeded rows.
    let cum = 0;
    for (const [i, d] of exposed.days.entries()) {
      if (!perDay.has(d) && spent.values[i] === null) continue;
      cum += (perDay.get(d) ?? 0) / 1e9;
      if (spent.values[i] !== null) expect(spent.values[i]!).toBeCloseTo(cum, 4);
    }
    // The org budget is the line to beat.
    const budgets = (await (await fetch(`${demo.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { scope: string; limit_usd: number }[] };
    expect(exposed.limit).toBe(budgets.data.find((b) => b.scope === 'org')!.limit_usd);
    expect(await page.textContent('[data-testid="period-spend"]')).toContain(totalUsd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    await page.context().close();
  });

  it('the teams page paints each team\'s spend per day (group_by=team,day) as the seeded rows give it', async () => {
    const page = await signIn(ADMIN);
    await goTo(page, 'Teams & projects');
    const exposed = JSON.parse((await page.getAttribute('[data-chart="trend"]', 'data-series'))!) as { days: string[]; series: { label: string; values: number[] }[] };
    // Independent expectation: the seeded rows per team and UTC day.
    const want = new Map<string, number>();
    for (const r of seedRows({ now: Date.now(), days: DAYS, callsPerDay: 24 })) {
      const d = new Date(r.startedAt).toISOString().slice(0, 10);
      if (exposed.days.includes(d)) want.set(`${r.team}|${d}`, (want.get(`${r.team}|${d}`) ?? 0) + r.costNanos / 1e9);
    }
    expect(new Set(exposed.series.map((x) => x.label))).toEqual(new Set([...want.keys()].map((k) => k.split('|')[0])));
    for (const x of exposed.series) {
      for (const [i, d] of exposed.days.entries()) expect(x.values[i]!, `${x.label} ${d}`).toBeCloseTo(want.get(`${x.label}|${d}`) ?? 0, 2);
    }
    await page.context().close();
  });

  it('the overview chart shows the forecast line and its band from /admin/v1/forecasts', async () => {
    const f = (await (await fetch(`${demo.url}/admin/v1/forecasts`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as {
      data: { scope: string; projection: { date: string; usd: number; low_usd: number; high_usd: number }[]; history: { date: string; usd: number }[]; exhausts_at: string | null; sentence: string }[];
    };
    const org = f.data.find((x) => x.scope === 'org')!;
    expect(org.projection.length).toBeGreaterThan(0);
    const page = await signIn(ADMIN);
    const exposed = JSON.parse((await page.getAttribute('[data-chart="burn"]', 'data-series'))!) as { days: string[]; series: { label: string; values: (number | null)[] }[] };
    const series = (label: string) => exposed.series.find((s) => s.label === label)!.values;
    // The demo's traffic keeps spending between this fetch and the page's own: equal within 0.1%.
    const near = (got: number | null | undefined, want: number): void => expect(Math.abs((got ?? NaN) - want)).toBeLessThanOrEqual(Math.max(0.01, want * 1e-3));
    for (const p of org.projection) {
      const i = exposed.days.indexOf(p.date);
      expect(i).toBeGreaterThanOrEqual(0);
      near(series('Forecast')[i], p.usd);
      near(series('Low')[i], p.low_usd);
      near(series('High')[i], p.high_usd);
    }
    const historyTotal = org.history.reduce((s, h) => s + h.usd, 0);
    expect(series('Spent').filter((v) => v !== null).at(-1)!).toBeCloseTo(historyTotal, 4);
    // The sentence the API says, its amounts within the same drift (a dollar can round either way).
    const sentence = (await page.textContent('[data-testid="forecast-sentence"]'))!;
    const amounts = (t: string): number[] => [...t.matchAll(/\$([\d,]+(?:\.\d+)?)/g)].map((m) => Number(m[1]!.replaceAll(',', '')));
    expect(sentence.replace(/\$[\d,]+(?:\.\d+)?/g, '$')).toBe(org.sentence.replace(/\$[\d,]+(?:\.\d+)?/g, '$'));
    const want = amounts(org.sentence);
    expect(amounts(sentence)).toHaveLength(want.length);
    amounts(sentence).forEach((got, i) => expect(Math.abs(got - want[i]!)).toBeLessThanOrEqual(Math.max(1, want[i]! * 1e-3)));
    await page.context().close();
  });

  it('shows a live looping run as it appears (server-sent events), kills it from the page, and its next call is refused', async () => {
    const page = await signIn(ADMIN);
    await goTo(page, 'Runs');
    const runId = `live-loop-${Date.now().toString(36)}`;
    const key = demo.keys.data;
    let stop = false;
    let i = 0;
    // A slow agent loop of distinct steps (the guard lets it run): only an operator stops it.
    const loop = (async () => {
      while (!stop) {
        await chat(key, { 'x-tollgate-run': runId, 'x-tollgate-agent': 'looper' }, `Step ${i++}: check the ${['queue', 'cache', 'index', 'ledger', 'socket'][i % 5]} once more and report anything new about shard ${i}.`);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      // No reload: the run arrives over the event stream.
      await page.waitForSelector(`button[data-run="${runId}"]`, { timeout: 15_000 });
      await page.click(`button[data-run="${runId}"]`);
      await page.waitForSelector('[data-testid="run-status"]:text("active")');
      await page.click('[data-testid="kill"]');
      await page.waitForSelector('[data-testid="run-status"]:text("terminated")', { timeout: 10_000 });
    } finally {
      stop = true;
      await loop;
    }
    const next = await chat(key, { 'x-tollgate-run': runId, 'x-tollgate-agent': 'looper' }, 'One more step, please.');
    expect(next).toEqual({ status: 403, code: 'run_terminated' });
    // The run's call tree and timeline were drawn from its calls.
    expect(await page.locator('[data-testid="call-tree"] li').count()).toBeGreaterThan(0);
    await page.context().close();
  });

  it('creates a key in the page, shows it once, and the key works against /v1/chat/completions', async () => {
    const page = await signIn(ADMIN);
    await goTo(page, 'Keys');
    await page.fill('[data-testid="key-form"] input[name=team]', 'newteam');
    await page.fill('[data-testid="key-form"] input[name=project]', 'pilot');
    await page.click('[data-testid="key-form"] button[type=submit]');
    const key = (await (await page.waitForSelector('[data-testid="new-key"]')).textContent())!;
    expect(key).toMatch(/^tg_/);
    expect(await chat(key, {}, 'Hello from a key made in the dashboard.')).toEqual({ status: 200, code: null });
    // The list shows the new key, never its secret.
    await page.waitForSelector('[data-testid="keys"] td:text("newteam")');
    expect(await page.textContent('[data-testid="keys"]')).not.toContain(key);
    await page.context().close();
  });

  it('creates, edits and deletes a budget from the page (admin)', async () => {
    const page = await signIn(ADMIN);
    await goTo(page, 'Budgets');
    page.on('dialog', (d) => void d.accept());
    await page.click('text=New budget');
    await page.fill('[data-testid="budget-form"] input[placeholder^="org"]', 'team:research');
    await page.fill('[data-testid="budget-form"] input[type=number]', '123.45');
    await page.click('[data-testid="budget-form"] button[type=submit]');
    const row = page.locator('[data-testid="budgets"] tr', { hasText: 'team:research' });
    await row.waitFor();
    const api = async () => ((await (await fetch(`${demo.url}/admin/v1/budgets`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { scope: string; limit_usd: number }[] }).data.find((b) => b.scope === 'team:research');
    expect((await api())?.limit_usd).toBe(123.45);
    await row.locator('text=Edit').click();
    await page.fill('[data-testid="budget-form"] input[type=number]', '200');
    await page.click('[data-testid="budget-form"] button[type=submit]');
    await expect.poll(async () => (await api())?.limit_usd).toBe(200);
    await page.locator('[data-testid="budgets"] tr', { hasText: 'team:research' }).locator('text=Delete').click();
    await expect.poll(api).toBeUndefined();
    await page.context().close();
  });

  it('at 1280x800 the budgets table fits its card, Edit buttons in view', async () => {
    const scope = 'team:research-and-development';
    const created = await fetch(`${demo.url}/admin/v1/budgets`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope, limit_usd: 1234.5, period: 'week', pace: { action: 'alert' } }) });
    expect(created.status).toBe(201);
    const page = await signIn(ADMIN);
    await page.setViewportSize({ width: 1280, height: 800 });
    await goTo(page, 'Budgets');
    const edit = page.locator('[data-testid="budgets"] tr', { hasText: scope }).locator('text=Edit');
    await edit.waitFor();
    const wrap = page.locator('.table-wrap:has([data-testid="budgets"])');
    const fit = await wrap.evaluate((w) => ({ scroll: w.scrollWidth, client: w.clientWidth, right: w.getBoundingClientRect().right }));
    expect(fit.scroll).toBeLessThanOrEqual(fit.client);
    const box = (await page.locator('[data-testid="budgets"] tr', { hasText: scope }).locator('button.danger').boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(fit.right);
    await fetch(`${demo.url}/admin/v1/budgets/${encodeURIComponent(`${scope}/week`)}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    await page.context().close();
  });

  it('the overview names the headline budget\'s own period, and a tiny spend is not $0.00', async () => {
    const real = (await (await fetch(`${demo.url}/admin/v1/forecasts`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { scope: string }[] };
    const org = real.data.find((f) => f.scope === 'org')!;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.route('**/admin/v1/forecasts', (r) => r.fulfill({ json: { data: [{ ...org, period: 'week', spent_usd: 0.000066 }] } }));
    const page = await context.newPage();
    await page.goto(`${demo.url}/dashboard/`);
    await page.fill('input[name=key]', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-page="Overview"][data-ready="true"]');
    const stat = page.locator('[data-testid="period-spend"]');
    expect(await stat.locator('.stat-label').textContent()).toBe('Spent this week');
    expect(await stat.locator('.stat-value').textContent()).toBe('$0.000066');
    await context.close();
  });

  it('a team viewer sees only its own team, in the page and through the API', async () => {
    // One run id sent by the viewer's team (platform) and by another (data), and a run of data's alone.
    const shared = `shared-${Date.now().toString(36)}`;
    const dataOnly = `data-only-${Date.now().toString(36)}`;
    expect((await chat(demo.viewerKey, { 'x-tollgate-run': shared }, 'Plan the platform release.')).status).toBe(200);
    for (const content of ['Plan the data backfill.', 'List the tables to backfill.']) expect((await chat(demo.keys.data, { 'x-tollgate-run': shared }, content)).status).toBe(200);
    expect((await chat(demo.keys.data, { 'x-tollgate-run': dataOnly }, 'Count the rows.')).status).toBe(200);
    const page = await signIn(demo.viewerKey);
    expect(await page.textContent('[data-testid="who"]')).toContain('team platform');
    const movers = await page.locator('[data-testid="movers"] tbody tr td:first-child').allTextContents();
    expect(movers).toEqual(['platform']);
    await goTo(page, 'Keys');
    const teams = await page.locator('[data-testid="keys"] tbody tr td:nth-child(2)').allTextContents();
    expect(teams.length).toBeGreaterThan(0);
    expect(new Set(teams)).toEqual(new Set(['platform']));
    expect(await page.locator('[data-testid="key-form"]').count()).toBe(0);
    await goTo(page, 'Runs');
    // Its own run of the shared id, and only its team's runs; read-only.
    await page.waitForSelector(`button[data-run="${shared}"][data-team="platform"]`);
    expect(new Set(await page.locator('[data-testid="runs"] button[data-run]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-team'))))).toEqual(new Set(['platform']));
    expect(await page.locator(`button[data-run="${dataOnly}"]`).count()).toBe(0);
    await page.click(`button[data-run="${shared}"]`);
    await page.waitForSelector('[data-testid="run-status"]:text("active")');
    expect(await page.locator('[data-testid="kill"]').count()).toBe(0);
    // The API itself, with the viewer's session cookie (from the page) and with the viewer's key.
    const fromPage = await page.evaluate(async ([shared, dataOnly]) => {
      const spend = (await (await fetch('/admin/v1/spend?group_by=team&from=90d')).json()) as { data: { team: string }[] };
      const runs = (await (await fetch('/admin/v1/runs')).json()) as { data: { team: string }[] };
      const own = (await (await fetch(`/admin/v1/runs/${shared}`)).json()) as { team: string; calls: number };
      const others = [`/admin/v1/runs/${dataOnly}`, `/admin/v1/runs/${shared}?team=data`];
      const hidden = await Promise.all(others.map(async (u) => (await fetch(u)).status));
      const session = (await (await fetch('/dashboard/api/session')).json()) as { csrf: string };
      const kill = (await fetch(`/admin/v1/runs/${shared}/kill`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tollgate-csrf': session.csrf }, body: '{}' })).status;
      const create = await fetch('/admin/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tollgate-csrf': session.csrf }, body: JSON.stringify({ team: 'platform' }) });
      return { teams: spend.data.map((r) => r.team), runTeams: [...new Set(runs.data.map((r) => r.team))], own: [own.team, own.calls], hidden, kill, create: create.status, code: ((await create.json()) as { error: { code: string } }).error.code };
    }, [shared, dataOnly]);
    expect(fromPage).toEqual({ teams: ['platform'], runTeams: ['platform'], own: ['platform', 1], hidden: [404, 403], kill: 403, create: 403, code: 'forbidden' });
    const byKey = (await (await fetch(`${demo.url}/admin/v1/spend?group_by=team&from=90d`, { headers: { authorization: `Bearer ${demo.viewerKey}` } })).json()) as { data: { team: string }[] };
    expect(byKey.data.map((r) => r.team)).toEqual(['platform']);
    const all = (await (await fetch(`${demo.url}/admin/v1/spend?group_by=team&from=90d`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { data: { team: string }[] };
    expect(all.data.map((r) => r.team)).toEqual(expect.arrayContaining(['data', 'growth', 'platform', 'research']));
    await page.context().close();
  });

  it('refuses a cookie-authenticated change without the CSRF token; the same change with it succeeds; bearer keys need none', async () => {
    const page = await signIn(ADMIN);
    const result = await page.evaluate(async () => {
      const body = JSON.stringify({ scope: 'team:csrf-test', limit_usd: 5, period: 'month' });
      const bare = await fetch('/admin/v1/budgets', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const wrong = await fetch('/admin/v1/budgets', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tollgate-csrf': 'guess' }, body });
      const session = (await (await fetch('/dashboard/api/session')).json()) as { csrf: string };
      const good = await fetch('/admin/v1/budgets', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tollgate-csrf': session.csrf }, body });
      return {
        bare: [bare.status, ((await bare.json()) as { error: { code: string } }).error.code],
        wrong: [wrong.status, ((await wrong.json()) as { error: { code: string } }).error.code],
        good: good.status,
      };
    });
    expect(result).toEqual({ bare: [403, 'csrf_token_invalid'], wrong: [403, 'csrf_token_invalid'], good: 201 });
    // The session cookie is HttpOnly and SameSite=Strict.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'tg_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    // Outside a browser too: the cookie alone cannot change anything.
    const cookieHeader = `tg_session=${cookie.value}`;
    const del = await fetch(`${demo.url}/admin/v1/budgets/${encodeURIComponent('team:csrf-test/month')}`, { method: 'DELETE', headers: { cookie: cookieHeader } });
    expect(del.status).toBe(403);
    const bearer = await fetch(`${demo.url}/admin/v1/budgets/${encodeURIComponent('team:csrf-test/month')}`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN}` } });
    expect(bearer.status).toBe(200);
    // Sign out ends the session on the server.
    await page.click('text=Sign out');
    await page.waitForSelector('[data-testid="signin"]');
    expect((await fetch(`${demo.url}/admin/v1/keys`, { headers: { cookie: cookieHeader } })).status).toBe(401);
    await page.context().close();
  });

  it('serves hashed assets with long-lived caching, index.html revalidated, and any page path as the app', async () => {
    const html = await fetch(`${demo.url}/dashboard/teams`);
    expect(html.status).toBe(200);
    expect(html.headers.get('cache-control')).toBe('no-cache');
    const text = await html.text();
    const js = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(text)![1]!;
    const asset = await fetch(`${demo.url}${js}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = asset.headers.get('etag')!;
    expect((await fetch(`${demo.url}${js}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${demo.url}/dashboard/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${demo.url}/dashboard/../package.json`)).status).not.toBe(200);
  });
});
