/**
 * The run guard through the gateway: run identity, caps, loops stopped, pause/resume, kill, allow-list,
 * runs CLI, runs per team (one run id, two teams, two runs; team keys see their own), shared runs.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { Redis } from 'ioredis';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { tollgate } from './process.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

function guardOn(extra: Record<string, unknown> = {}) {
  return (base: Record<string, unknown>): Record<string, unknown> => ({ ...base, guard: { enabled: true, ...extra } });
}

async function chat(s: Stack, key: string, headers: Record<string, string>, content: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function run(s: Stack, id: string, team?: string): Promise<Record<string, unknown>> {
  const q = team === undefined ? '' : `?team=${encodeURIComponent(team)}`;
  return (await (await fetch(`${s.gw.url}/admin/v1/runs/${encodeURIComponent(id)}${q}`, { headers: admin })).json()) as Record<string, unknown>;
}

/** An admin API call with a given key: status and body. */
async function adminCall(s: Stack, key: string, path: string, method = 'GET'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.gw.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(method === 'GET' ? {} : { body: '{}' }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The writer/reviewer confirmation loop of one call; `i` picks the agent. */
function loopCall(s: Stack, key: string, runId: string, i: number): Promise<{ status: number; body: Record<string, unknown> }> {
  const agent = i % 2 === 0 ? 'writer' : 'reviewer';
  return chat(s, key, { 'x-tollgate-run': runId, 'x-tollgate-agent': agent }, directive({ completion_tokens: 5 }, agent === 'writer' ? 'Please confirm the summary is final.' : 'Confirmed. The summary is final.'));
}

const WORDS = ['parser', 'lexer', 'cache', 'router', 'ledger', 'budget', 'stream', 'socket', 'schema', 'token', 'retry', 'index'];
const TASKS = [
  'Read the failing test output and explain which assertion broke in the parser.',
  'Write a migration that adds an index on the orders table by customer and date.',
  'Refactor the retry helper so backoff is jittered and capped at thirty seconds.',
  'Draft release notes covering the new billing export and the fixed timezone bug.',
  'Find why the websocket reconnect loop leaks file descriptors under load.',
  'Add input validation to the signup form: email format, password length, terms box.',
  'Summarise the design doc for the search ranking change in five bullet points.',
  'Port the CSV importer from callbacks to async iterators and keep memory bounded.',
  'Review the pull request that renames the cache keys and check for collisions.',
  'Translate the error messages of the payment page into German and French.',
  'Profile the image resizer and propose two changes that cut its latency in half.',
  'Design a schema for audit events with retention by tenant and quick lookups.',
  'Explain the flaky integration test around clock skew and suggest a stable fix.',
  'Write docs for the CLI flags of the exporter, with one example for each flag.',
];
const REPLIES = [
  'The assertion on line 40 compares the token kind before the lexer has advanced.',
  'Created migration 0042 with a composite index; it runs concurrently to avoid locks.',
  'Backoff now uses full jitter with a cap; tests cover the boundaries and the cap.',
  'Release notes drafted: billing export, timezone fix, two smaller UI changes.',
  'The leak comes from a listener added on each reconnect and never removed.',
  'Validation added with clear messages; the submit button stays disabled until valid.',
  'Five bullets: goals, ranking signals, evaluation plan, rollout, risks and mitigations.',
  'The importer streams rows now; peak memory stays flat on a two gigabyte file.',
  'Two keys collide after the rename; suggested adding the region prefix to both.',
  'Both translations done; currency placeholders kept intact in every message.',
  'Caching decoded headers and resizing in the worker pool halve the median latency.',
  'Audit schema: event table partitioned by month, tenant index, retention job.',
  'The test reads wall time twice; injecting a clock makes it deterministic.',
  'Docs written for all nine flags, each with a runnable example and its output.',
];
const distinct = (i: number): string => directive({ reply_text: REPLIES[i % REPLIES.length]! }, `${TASKS[i % TASKS.length]} (${WORDS[i % WORDS.length]})`);

describe('run guard', () => {
  let s: Stack;
  let key: string;
  beforeAll(async () => {
    s = await startStack({ config: guardOn({ caps: { max_calls: 12 } }) });
    key = await s.createKey({ team: 'agents', unlimited: true });
  });
  afterAll(() => s.close());

  it("puts a run id no header can carry (a line break, Cyrillic) in the guard's warning percent-encoded, never failing the call", async () => {
    const userId = 'sess\r\nSet-Cookie: evil=1 задача-42';
    const statuses: number[] = [];
    const guardHeaders: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${s.gw.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test-claude', max_tokens: 10, metadata: { user_id: userId }, messages: [{ role: 'user', content: 'Same question again.' }] }),
      });
      statuses.push(r.status);
      const g = r.headers.get('x-tollgate-guard');
      if (g) guardHeaders.push(g);
      await r.arrayBuffer();
    }
    // The repeated request is a loop to the guard: it warns (or stops it), but never answers 500.
    expect(statuses.filter((st) => st >= 500)).toEqual([]);
    expect(guardHeaders.length).toBeGreaterThan(0);
    for (const g of guardHeaders) expect(g).toContain(`run=${encodeURIComponent(userId)}`);
  });

  it('identifies runs from the header, traceparent, Anthropic session metadata, or a conversation fingerprint', async () => {
    await chat(s, key, { 'x-tollgate-run': 'run-h' }, 'hello h');
    await chat(s, key, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }, 'hello t');
    const a = await fetch(`${s.gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'test-claude', max_tokens: 10, metadata: { user_id: 'user_abc_account_123_session_5f0b0e2c-aaaa-bbbb-cccc-0123456789ab' }, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(a.status).toBe(200);
    // A plain loop resending its growing conversation: one fingerprint run.
    const convo = [{ role: 'system', content: 'You are a planner.' }, { role: 'user', content: 'Plan the release.' }];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${s.gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ model: 'test-gpt', max_tokens: 10, messages: convo }) });
      expect(r.status).toBe(200);
      convo.push({ role: 'assistant', content: `step ${i}` }, { role: 'user', content: `and then ${WORDS[i]}?` });
    }
    const rows = await s.calls();
    const runs = new Set(rows.map((r) => r.run));
    expect(runs).toContain('run-h');
    expect(runs).toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect([...runs].some((r) => r?.includes('5f0b0e2c-aaaa-bbbb-cccc-0123456789ab'))).toBe(true);
    const fp = rows.filter((r) => r.run?.startsWith('fp_'));
    expect(fp).toHaveLength(3);
    expect(new Set(fp.map((r) => r.run)).size).toBe(1);
  });

  it('stops an identical confirmation loop between two agents within a few calls, naming the detector', async () => {
    const runId = `loop-${randomBytes(3).toString('hex')}`;
    const alerted: { run: string; action: string }[] = [];
    const send = s.gw.deps.alerts.sendGuard.bind(s.gw.deps.alerts);
    s.gw.deps.alerts.sendGuard = (a) => {
      alerted.push(a);
      send(a);
    };
    let stoppedAt = -1;
    let err: Record<string, unknown> | undefined;
    for (let i = 0; i < 12; i++) {
      const r = await loopCall(s, key, runId, i);
      if (r.status !== 200) {
        stoppedAt = i;
        err = r.body['error'] as Record<string, unknown>;
        expect(r.status).toBe(403);
        break;
      }
    }
    expect(stoppedAt).toBeGreaterThan(1);
    expect(stoppedAt).toBeLessThanOrEqual(8);
    expect(err?.['code']).toBe('run_terminated');
    expect(err?.['message']).toMatch(new RegExp(`tollgate runs allow --team agents ${runId} \\(.*; a new task should send its own x-tollgate-run id\\.$`));
    expect(JSON.stringify(err?.['evidence'])).toMatch(/detector/);
    const view = await run(s, runId);
    expect(view['status']).toBe('terminated');
    // Every further call is refused too, and the SDK does not retry it.
    const client = new OpenAI({ apiKey: key, baseURL: `${s.gw.url}/v1`, maxRetries: 3, defaultHeaders: { 'x-tollgate-run': runId } });
    const e = await client.chat.completions.create({ model: 'test-gpt', messages: [{ role: 'user', content: 'anything new' }] }).catch((x: unknown) => x);
    expect((e as { status: number }).status).toBe(403);
    // The stop was alerted once (with the warnings before it); the refusals after it were not.
    expect(alerted.filter((a) => a.run === runId && a.action === 'terminate')).toHaveLength(1);
  });

  it('lets a healthy run of distinct steps through', async () => {
    const runId = `healthy-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 10; i++) expect((await chat(s, key, { 'x-tollgate-run': runId, 'x-tollgate-agent': 'coder' }, distinct(i))).status).toBe(200);
    expect((await run(s, runId))['status']).toBe('active');
  });

  it('enforces the max-calls cap', async () => {
    const runId = `capped-${randomBytes(3).toString('hex')}`;
    const alerted: { run: string; action: string }[] = [];
    const send = s.gw.deps.alerts.sendGuard.bind(s.gw.deps.alerts);
    s.gw.deps.alerts.sendGuard = (a) => {
      alerted.push(a);
      send(a);
    };
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await chat(s, key, { 'x-tollgate-run': runId }, distinct(i + 100))).status);
    expect(statuses.slice(0, 12).every((x) => x === 200)).toBe(true);
    expect(statuses[12]).toBe(403);
    expect(String((await run(s, runId))['status_reason'])).toMatch(/calls/);
    // The call that hit the cap stopped the run: alerted once; the refusal after it is not.
    expect(alerted.filter((a) => a.run === runId).map((a) => a.action)).toEqual(['terminate']);
    s.gw.deps.alerts.sendGuard = send;
  });

  it('pauses, resumes, kills and allow-lists runs through the CLI', async () => {
    const runId = `manual-${randomBytes(3).toString('hex')}`;
    expect((await chat(s, key, { 'x-tollgate-run': runId }, distinct(1))).status).toBe(200);
    const env = { TOLLGATE_ADMIN_KEY: ADMIN_KEY };
    const base = ['--url', s.gw.url];
    await tollgate(['runs', 'pause', runId, ...base], env);
    const paused = await chat(s, key, { 'x-tollgate-run': runId }, distinct(2));
    expect(paused.status).toBe(423);
    expect((paused.body['error'] as { code: string }).code).toBe('run_paused');
    await tollgate(['runs', 'resume', runId, ...base], env);
    expect((await chat(s, key, { 'x-tollgate-run': runId }, distinct(3))).status).toBe(200);
    const list = JSON.parse((await tollgate(['runs', 'list', '--json', ...base], env)).stdout) as { data: { run: string; calls: number }[] };
    expect(list.data.find((r) => r.run === runId)?.calls).toBe(2);
    await tollgate(['runs', 'kill', runId, '--reason', 'budget review', ...base], env);
    const killed = await chat(s, key, { 'x-tollgate-run': runId }, distinct(4));
    expect(killed.status).toBe(403);
    expect((killed.body['error'] as { message: string }).message).toMatch(/budget review/);

    // An allow-listed run may repeat itself. Not live yet, so its team is named (runs are per team).
    const allowed = `allowed-${randomBytes(3).toString('hex')}`;
    await expect(tollgate(['runs', 'allow', allowed, ...base], env)).rejects.toThrow(/No live run/);
    await tollgate(['runs', 'allow', allowed, '--team', 'agents', ...base], env);
    for (let i = 0; i < 10; i++) expect((await chat(s, key, { 'x-tollgate-run': allowed }, 'Poll the same job status.')).status).toBe(200);
  });
});

describe('runs per team', () => {
  let s: Stack;
  let alpha: string;
  let beta: string;
  beforeAll(async () => {
    s = await startStack({ config: guardOn() });
    alpha = await s.createKey({ team: 'alpha', unlimited: true });
    beta = await s.createKey({ team: 'beta', unlimited: true });
  });
  afterAll(() => s.close());

  it('keeps the same run id of two teams apart: one loops and is stopped, the other goes on', async () => {
    const runId = `same-${randomBytes(3).toString('hex')}`;
    // Interleaved: alpha's agents confirm each other in a loop, beta's coder takes distinct steps.
    let alphaStopped = -1;
    for (let i = 0; i < 12; i++) {
      const a = await loopCall(s, alpha, runId, i);
      if (a.status !== 200 && alphaStopped < 0) {
        alphaStopped = i;
        expect((a.body['error'] as { code: string }).code).toBe('run_terminated');
      }
      expect((await chat(s, beta, { 'x-tollgate-run': runId, 'x-tollgate-agent': 'coder' }, distinct(i))).status).toBe(200);
    }
    expect(alphaStopped).toBeGreaterThan(1);
    expect(alphaStopped).toBeLessThanOrEqual(8);
    const a = await run(s, runId, 'alpha');
    const b = await run(s, runId, 'beta');
    expect([a['team'], a['status']]).toEqual(['alpha', 'terminated']);
    expect(a['refused']).toBeGreaterThan(0);
    expect([b['team'], b['status'], b['calls'], b['refused']]).toEqual(['beta', 'active', 12, 0]);
    // The ledger keeps the run id as the client sent it, for both teams.
    const rows = (await s.calls()).filter((r) => r.run === runId);
    expect(rows.filter((r) => r.team === 'alpha')).toHaveLength(12);
    expect(rows.filter((r) => r.team === 'beta' && r.status === 'ok')).toHaveLength(12);
    // Resuming one team's run (the guard stopped it) and killing the other's leaves each alone.
    expect((await adminCall(s, ADMIN_KEY, `/admin/v1/runs/${runId}/resume?team=alpha`, 'POST')).status).toBe(200);
    expect((await adminCall(s, ADMIN_KEY, `/admin/v1/runs/${runId}/kill?team=beta`, 'POST')).body['status']).toBe('terminated');
    expect((await run(s, runId, 'alpha'))['status']).toBe('active'); // resumed, and not killed with beta's
    const other = `other-${randomBytes(3).toString('hex')}`;
    expect((await chat(s, alpha, { 'x-tollgate-run': other }, distinct(50))).status).toBe(200);
    expect((await adminCall(s, ADMIN_KEY, `/admin/v1/runs/${other}/pause?team=beta`, 'POST')).status).toBe(200);
    expect((await chat(s, alpha, { 'x-tollgate-run': other }, distinct(51))).status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': other }, distinct(52))).status).toBe(423);
  });

  it('asks the admin which team when a run id is live under several, and finds it alone otherwise', async () => {
    const runId = `twice-${randomBytes(3).toString('hex')}`;
    const only = `once-${randomBytes(3).toString('hex')}`;
    expect((await chat(s, alpha, { 'x-tollgate-run': runId }, distinct(1))).status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': runId }, distinct(2))).status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': only }, distinct(3))).status).toBe(200);
    for (const path of [`/admin/v1/runs/${runId}`, `/admin/v1/runs/${runId}/kill`]) {
      const r = await adminCall(s, ADMIN_KEY, path, path.endsWith('kill') ? 'POST' : 'GET');
      expect(r.status).toBe(409);
      const err = r.body['error'] as { code: string; message: string; teams: string[] };
      expect(err.code).toBe('run_ambiguous');
      expect(err.teams).toEqual(['alpha', 'beta']);
      expect(err.message).toMatch(/alpha, beta/);
    }
    // Nothing was killed by the refused request.
    expect((await run(s, runId, 'alpha'))['status']).toBe('active');
    expect((await run(s, runId, 'beta'))['status']).toBe('active');
    expect((await run(s, only))['team']).toBe('beta');
    expect((await adminCall(s, ADMIN_KEY, `/admin/v1/runs/${only}?team=alpha`)).status).toBe(404);
    const all = (await adminCall(s, ADMIN_KEY, '/admin/v1/runs?limit=1000')).body['data'] as { run: string; team: string }[];
    expect(all.filter((r) => r.run === runId).map((r) => r.team).sort()).toEqual(['alpha', 'beta']);
    const betaOnly = (await adminCall(s, ADMIN_KEY, '/admin/v1/runs?limit=1000&team=beta')).body['data'] as { team: string }[];
    expect(new Set(betaOnly.map((r) => r.team))).toEqual(new Set(['beta']));
  });

  it("gives a team key its own team's runs and nothing of another team's: not found, not forbidden", async () => {
    const shared = `shared-${randomBytes(3).toString('hex')}`;
    const betaOnly = `beta-only-${randomBytes(3).toString('hex')}`;
    const alphaCall = await chat(s, alpha, { 'x-tollgate-run': shared }, distinct(5));
    expect(alphaCall.status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': shared }, distinct(6))).status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': shared }, distinct(7))).status).toBe(200);
    expect((await chat(s, beta, { 'x-tollgate-run': betaOnly }, distinct(8))).status).toBe(200);

    const list = await adminCall(s, alpha, '/admin/v1/runs?limit=1000');
    expect(list.status).toBe(200);
    const listed = list.body['data'] as { run: string; team: string; calls: number }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((r) => r.team))).toEqual(new Set(['alpha']));
    expect(listed.find((r) => r.run === shared)?.calls).toBe(1);
    expect(listed.some((r) => r.run === betaOnly)).toBe(false);
    // Naming another team with alpha's key is refused, for a list as for one run (whether or not it exists).
    for (const path of ['/admin/v1/runs?limit=1000&team=beta', `/admin/v1/runs/${shared}?team=beta`, `/admin/v1/runs/nobody-x?team=beta`]) {
      const r = await adminCall(s, alpha, path);
      expect([r.status, (r.body['error'] as { code: string }).code]).toEqual([403, 'forbidden']);
    }

    // Its own run, whatever other teams use the id: no ambiguity for a team key.
    const own = await adminCall(s, alpha, `/admin/v1/runs/${shared}`);
    expect([own.status, own.body['team'], own.body['calls']]).toEqual([200, 'alpha', 1]);
    // Another team's run does not exist for it: 404, as for an id nobody uses.
    for (const path of [`/admin/v1/runs/${betaOnly}`, `/admin/v1/runs/nobody-${randomBytes(3).toString('hex')}`]) {
      const r = await adminCall(s, alpha, path);
      expect(r.status).toBe(404);
      expect((r.body['error'] as { code: string }).code).toBe('not_found');
    }
    // Changes are the admin's: refused alike for its own run and another team's, so nothing is learnt.
    for (const path of [`/admin/v1/runs/${shared}/kill`, `/admin/v1/runs/${betaOnly}/pause`]) {
      const r = await adminCall(s, alpha, path, 'POST');
      expect([r.status, (r.body['error'] as { code: string }).code]).toEqual([403, 'forbidden']);
    }
    expect((await run(s, betaOnly, 'beta'))['status']).toBe('active');
    // Its calls of a shared id: its own only. Ledger rows are written in batches after the response:
    // wait for alpha's before reading.
    await s.waitForCall(alphaCall.headers.get('x-tollgate-call-id')!);
    const calls = (await adminCall(s, alpha, `/admin/v1/calls?run=${shared}`)).body['data'] as { team: string }[];
    expect(calls.map((c) => c.team)).toEqual(['alpha']);
  });
});

describe('a run shared by two instances (Redis)', () => {
  const url = process.env['TOLLGATE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const prefix = `tgguard${randomBytes(3).toString('hex')}`;
  let a: Stack;
  let b: Stack;
  beforeAll(async () => {
    const cfg = (base: Record<string, unknown>) => ({ ...guardOn()(base), limits: { kind: 'redis', url, prefix, fail: 'closed' } });
    a = await startStack({ config: cfg });
    b = await startStack({ config: (base) => ({ ...cfg(base), store: a.config.store }) });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    const r = new Redis(url);
    const keys = await r.keys(`{${prefix}}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
  });

  it('sees one run with one state whichever instance serves the calls', async () => {
    const key = await a.createKey({ team: 'agents', unlimited: true });
    await new Promise((r) => setTimeout(r, 700)); // instance b picks the key up
    const runId = `shared-${randomBytes(3).toString('hex')}`;
    for (let i = 0; i < 6; i++) expect((await chat(i % 2 ? b : a, key, { 'x-tollgate-run': runId }, distinct(i))).status).toBe(200);
    expect((await run(b, runId))['calls']).toBe(6);
    await fetch(`${a.gw.url}/admin/v1/runs/${runId}/kill`, { method: 'POST', headers: admin, body: '{}' });
    expect((await chat(b, key, { 'x-tollgate-run': runId }, distinct(7))).status).toBe(403);
  });

  it("keeps another team's run of the same id apart on every instance", async () => {
    const [agents, others] = [await a.createKey({ team: 'agents', unlimited: true }), await a.createKey({ team: 'others', unlimited: true })];
    await new Promise((r) => setTimeout(r, 700));
    const runId = `shared-two-${randomBytes(3).toString('hex')}`;
    expect((await chat(a, agents, { 'x-tollgate-run': runId }, distinct(1))).status).toBe(200);
    await fetch(`${a.gw.url}/admin/v1/runs/${runId}/kill`, { method: 'POST', headers: admin, body: '{}' });
    for (let i = 0; i < 4; i++) expect((await chat(i % 2 ? b : a, others, { 'x-tollgate-run': runId }, distinct(i + 2))).status).toBe(200);
    expect((await chat(b, agents, { 'x-tollgate-run': runId }, distinct(9))).status).toBe(403);
    expect(await run(b, runId, 'others')).toMatchObject({ team: 'others', status: 'active', calls: 4 });
    expect((await adminCall(b, ADMIN_KEY, `/admin/v1/runs/${runId}`)).body['error']).toMatchObject({ code: 'run_ambiguous', teams: ['agents', 'others'] });
    const listed = (await adminCall(a, others, '/admin/v1/runs')).body['data'] as { run: string; team: string }[];
    expect(listed.map((r) => `${r.team}/${r.run}`)).toEqual([`others/${runId}`]);
  });
});
