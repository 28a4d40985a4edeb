/**
 * Waste, outcomes and ROI through the gateway's admin API and the CLI: real calls (the official client and
 * byte-identical raw requests), a run the guard stops, team scoping, validation errors in OpenAI's shape.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { tollgate } from './process.js';

let s: Stack;
let platform: string;
let research: string;
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };
// test-gpt: $1.25 / $10 per Mtok; 100 prompt + 10 output tokens = 125_000 + 100_000 nanos.
const CALL_NANOS = 100 * 1250 + 10 * 10_000;
const usd = (n: number): number => n / 1e9;

async function chat(key: string, run: string, body: string): Promise<number> {
  const r = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-tollgate-run': run, 'x-tollgate-agent': 'bot' }, body });
  await r.arrayBuffer();
  return r.status;
}

async function api(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(`${s.gw.url}${path}`, { method, headers: { ...admin, authorization: `Bearer ${key}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, guard: { enabled: true } }) });
  platform = await s.createKey({ team: 'platform', project: 'search' });
  research = await s.createKey({ team: 'research', project: 'lab' });
  const body = (text: string): string => JSON.stringify({ model: 'test-gpt', max_tokens: 50, messages: [{ role: 'user', content: directive({ prompt_tokens: 100, completion_tokens: 10 }, text) }] });
  // platform: the same bytes twice (in two runs): the second one is a duplicate a cache would have served.
  expect(await chat(platform, 'dup-1', body('Summarise the release notes.'))).toBe(200);
  expect(await chat(platform, 'dup-2', body('Summarise the release notes.'))).toBe(200);
  // research: one call in run loop-1, then the admin kills the run and the next call is refused.
  expect(await chat(research, 'loop-1', body('Plan the next step.'))).toBe(200);
  expect((await api('POST', '/admin/v1/runs/loop-1/kill', ADMIN_KEY)).status).toBe(200);
  expect(await chat(research, 'loop-1', body('Plan the next step again.'))).toBe(403);
  for (let i = 0; i < 100 && (await s.calls()).length < 4; i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(() => s.close());

describe('waste, outcomes and ROI over the admin API', () => {
  it('reports waste in the documented shape, per team and agent', async () => {
    const r = await api('GET', '/admin/v1/waste?from=1h', ADMIN_KEY);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['from', 'to', 'total_usd', 'by_category', 'data']);
    const cats = r.body['by_category'] as Record<string, unknown>[];
    expect(cats.map((c) => c['category'])).toEqual(['guard_stopped', 'duplicate', 'failed', 'retried', 'oversized_model']);
    // loop-1: 1 paid call + 1 refusal; unguarded, the refusal would have cost the run's mean (one call) more.
    expect(cats[0]).toEqual({ category: 'guard_stopped', calls: 2, cost_usd: usd(CALL_NANOS), avoidable_usd: usd(CALL_NANOS), would_have_cost_usd: usd(2 * CALL_NANOS) });
    expect(cats[1]).toEqual({ category: 'duplicate', calls: 1, cost_usd: usd(CALL_NANOS), avoidable_usd: usd(CALL_NANOS) });
    expect(r.body['total_usd']).toBe(usd(2 * CALL_NANOS));
    expect(r.body['data']).toEqual([
      { team: 'platform', agent: 'bot', category: 'duplicate', calls: 1, cost_usd: usd(CALL_NANOS), avoidable_usd: usd(CALL_NANOS) },
      { team: 'research', agent: 'bot', category: 'guard_stopped', calls: 2, cost_usd: usd(CALL_NANOS), avoidable_usd: usd(CALL_NANOS), would_have_cost_usd: usd(2 * CALL_NANOS) },
    ]);
  });

  it('shows a team key only its own team', async () => {
    const own = await api('GET', '/admin/v1/waste', research);
    expect((own.body['data'] as { team: string }[]).map((d) => d.team)).toEqual(['research']);
    expect(own.body['total_usd']).toBe(usd(CALL_NANOS));
    const other = await api('GET', '/admin/v1/waste?team=platform', research);
    expect(other.status).toBe(403);
    expect((other.body['error'] as Record<string, unknown>)['code']).toBe('forbidden');
    const filtered = await api('GET', '/admin/v1/waste?team=platform', ADMIN_KEY);
    expect((filtered.body['data'] as { team: string }[]).map((d) => d.team)).toEqual(['platform']);
  });

  it('takes outcomes from the admin only, validated, in OpenAI-style errors', async () => {
    const bad = async (body: unknown, param: RegExp): Promise<void> => {
      const r = await api('POST', '/admin/v1/outcomes', ADMIN_KEY, body);
      expect(r.status).toBe(400);
      const e = r.body['error'] as Record<string, unknown>;
      expect(e).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: null });
      expect(e['message']).toMatch(param);
    };
    await bad({ label: 'pr_merged', value_usd: 10 }, /Invalid outcome: an outcome needs at least one of run, project, team/);
    await bad({ run: 'dup-1', label: 'pr_merged', value_usd: -1 }, /value_usd/);
    await bad({ run: 'dup-1', label: 'pr_merged', value_usd: '10' }, /value_usd/);
    await bad({ run: 'dup-1', label: 'has spaces', value_usd: 1 }, /label/);
    await bad({ run: 'dup-1', label: 'x', value_usd: 1, at: 'last tuesday' }, /at/);
    // Outcomes are of the times a ledger holds: 1970 to 2100.
    await bad({ run: 'dup-1', label: 'x', value_usd: 1, at: '9999-12-31' }, /at: .*1970 to 2100/);
    await bad({ run: 'dup-1', label: 'x', value_usd: 1, at: '1969-06-01' }, /at: .*1970 to 2100/);
    await bad({ run: 'dup-1', label: 'x', value_usd: 1, planet: 'mars' }, /planet|unrecognized/i);
    const notJson = await fetch(`${s.gw.url}/admin/v1/outcomes`, { method: 'POST', headers: admin, body: '{nope' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    // Bytes that are not UTF-8 are refused, not stored with replacement characters.
    const latin1 = Buffer.concat([Buffer.from('{"team":"alp'), Buffer.from([0xff, 0xfe]), Buffer.from('ha","label":"x","value_usd":1}')]);
    const notUtf8 = await fetch(`${s.gw.url}/admin/v1/outcomes`, { method: 'POST', headers: admin, body: latin1 });
    expect(notUtf8.status).toBe(400);
    expect(((await notUtf8.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    expect((await api('POST', '/admin/v1/outcomes', research, { team: 'research', label: 'x', value_usd: 1 })).status).toBe(403);

    const made = await api('POST', '/admin/v1/outcomes', ADMIN_KEY, { team: 'research', label: 'ticket_resolved', value_usd: 12.5 });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ team: 'research', run: null, label: 'ticket_resolved', value_usd: 12.5, value_nanos: 12_500_000_000 });
    const onRun = await api('POST', '/admin/v1/outcomes', ADMIN_KEY, { run: 'dup-1', label: 'pr_merged', value_usd: 0.5, at: new Date(Date.now() - 60_000).toISOString() });
    expect(onRun.status).toBe(201);
    // A team key lists the outcomes naming its team; the admin lists all.
    expect(((await api('GET', '/admin/v1/outcomes', research)).body['data'] as { id: string }[]).map((o) => o.id)).toEqual([made.body['id']]);
    expect(((await api('GET', '/admin/v1/outcomes', ADMIN_KEY)).body['data'] as unknown[]).length).toBe(2);
  });

  it('ranks ROI by value per dollar, offers no usage ranking by default, and scopes team keys', async () => {
    const r = await api('GET', '/admin/v1/roi?group_by=team&from=1h', ADMIN_KEY);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['group_by', 'ranking', 'data']);
    expect(r.body).toMatchObject({ group_by: 'team', ranking: 'value_per_dollar' });
    const data = r.body['data'] as Record<string, unknown>[];
    // research: 1 paid call, $12.50 of value; platform: 2 paid calls (twice the spend), $0.50 of value.
    expect(data.map((d) => d['group'])).toEqual(['research', 'platform']);
    expect(Object.keys(data[0]!)).toEqual(['group', 'cost_usd', 'outcomes', 'value_usd', 'value_per_dollar', 'cost_per_outcome_usd', 'low_value', 'flags']);
    expect(data[0]).toMatchObject({ cost_usd: usd(CALL_NANOS), outcomes: 1, value_usd: 12.5, value_per_dollar: Math.round((12.5e9 / CALL_NANOS) * 1e6) / 1e6, low_value: false, flags: [] });
    expect(data[1]).toMatchObject({ cost_usd: usd(2 * CALL_NANOS), outcomes: 1, value_usd: 0.5 });
    for (const bad of ['sort=usage', 'sort=calls', 'sort=tokens', 'group_by=planet', 'bogus=1']) {
      const e = await api('GET', `/admin/v1/roi?${bad}`, ADMIN_KEY);
      expect(e.status).toBe(400);
      expect(e.body['error']).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: bad.split('=')[0] });
    }
    // A parameter an endpoint does not take is refused, not ignored (waste?tema= answered for every team).
    for (const bad of ['/admin/v1/waste?tema=research', '/admin/v1/outcomes?limit=abc', '/admin/v1/outcomes?limit=-5', '/admin/v1/outcomes?tam=x', '/admin/v1/forecasts?scop=org']) {
      const e = await api('GET', bad, ADMIN_KEY);
      expect(e.status, bad).toBe(400);
      expect(e.body['error'], bad).toMatchObject({ code: 'invalid_request', param: /[?&]([a-z]+)=/.exec(bad)![1] });
    }
    const scoped = await api('GET', '/admin/v1/roi', platform);
    expect((scoped.body['data'] as { group: string }[]).map((d) => d.group)).toEqual(['platform']);
    expect((await api('GET', '/admin/v1/roi?from=2026-01-02&to=2026-01-01', ADMIN_KEY)).status).toBe(400);
  });

  it('does the same from the CLI, offline against the ledger', { timeout: 90_000 }, async () => {
    await s.gw.deps.recorder.flush();
    const cfg = join(s.dir, 'cli.yaml');
    writeFileSync(cfg, `store: { kind: sqlite, path: "${join(s.dir, 'ledger.db')}" }\n`);
    const added = JSON.parse((await tollgate(['outcomes', 'add', '-c', cfg, '--run', 'loop-1', '--label', 'pr_merged', '--value', '120', '--json'])).stdout) as Record<string, unknown>;
    expect(added).toMatchObject({ run: 'loop-1', label: 'pr_merged', value_usd: 120 });
    await expect(tollgate(['outcomes', 'add', '-c', cfg, '--label', 'pr_merged', '--value', '1'])).rejects.toThrow(/at least one of run, project, team/);
    const list = JSON.parse((await tollgate(['outcomes', 'list', '-c', cfg, '--run', 'loop-1', '--json'])).stdout) as { data: { id: string }[] };
    expect(list.data.map((o) => o.id)).toEqual([added['id']]);
    const waste = JSON.parse((await tollgate(['waste', '-c', cfg, '--since', '1h', '--json'])).stdout) as { total_usd: number };
    expect(waste.total_usd).toBe(usd(2 * CALL_NANOS));
    const roi = JSON.parse((await tollgate(['roi', '-c', cfg, '--by', 'team', '--since', '1h', '--json'])).stdout) as { ranking: string; data: { group: string; value_usd: number }[] };
    expect(roi.ranking).toBe('value_per_dollar');
    expect(roi.data.find((d) => d.group === 'research')!.value_usd).toBe(132.5);
    const table = (await tollgate(['roi', '-c', cfg, '--since', '1h'])).stdout;
    expect(table).toMatch(/Ranked by value per dollar/);
    await expect(tollgate(['roi', '-c', cfg, '--sort', 'usage'])).rejects.toThrow(/value_per_dollar/);
  });
});
