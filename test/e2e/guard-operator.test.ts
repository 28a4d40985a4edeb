/**
 * The run guard and its operator, through the gateway and the CLI: a run the guard stopped goes on once
 * allowed (with the command its refusal names), an operator's kill stays until resumed; and a run id
 * over 200 characters is one bounded id for the guard, the ledger, spend by run and the runs API, so
 * two long ids sharing a prefix never merge.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { tollgate } from './process.js';

const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const env = { TOLLGATE_ADMIN_KEY: ADMIN_KEY };

type Reply = { status: number; body: Record<string, unknown> };

async function chat(s: Stack, key: string, headers: Record<string, string>, content: string): Promise<Reply> {
  const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'test-gpt', max_tokens: 20, messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function adminGet(s: Stack, path: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${s.gw.url}${path}`, { headers: admin })).json()) as Record<string, unknown>;
}

/** The writer/reviewer confirmation loop of one call; `i` picks the agent. */
function loopCall(s: Stack, key: string, runId: string, i: number): Promise<Reply> {
  const agent = i % 2 === 0 ? 'writer' : 'reviewer';
  return chat(s, key, { 'x-tollgate-run': runId, 'x-tollgate-agent': agent }, directive({ completion_tokens: 5 }, agent === 'writer' ? 'Please confirm the summary is final.' : 'Confirmed. The summary is final.'));
}

const message = (r: Reply): string => (r.body['error'] as { message: string }).message;

/** The `tollgate runs <action> ...` a refusal message names, as CLI arguments. */
function suggested(msg: string, action: string): string[] {
  const m = new RegExp(`tollgate (runs ${action} --team \\S+ \\S+)`).exec(msg);
  expect(m, msg).not.toBeNull();
  return m![1]!.split(' ');
}

describe('run guard operator actions', () => {
  let s: Stack;
  let key: string;
  beforeAll(async () => {
    s = await startStack({ config: (base) => ({ ...base, guard: { enabled: true, caps: { max_calls: 12 } } }) });
    key = await s.createKey({ team: 'agents', unlimited: true });
  });
  afterAll(() => s.close());

  it('lets a run the guard terminated go on after the `runs allow` its refusal names, and stops it no more', async () => {
    const runId = `allow-${randomBytes(3).toString('hex')}`;
    let refused: Reply | undefined;
    for (let i = 0; i < 12 && refused === undefined; i++) {
      const r = await loopCall(s, key, runId, i);
      if (r.status !== 200) refused = r;
    }
    expect(refused?.status).toBe(403);
    const msg = message(refused!);
    expect(msg).toMatch(/a new task should send its own x-tollgate-run id\.$/);
    const out = await tollgate([...suggested(msg, 'allow'), '--url', s.gw.url], env);
    expect(out.stdout).toMatch(/: active, allow-listed\.$/m);
    const view = await adminGet(s, `/admin/v1/runs/${runId}`);
    expect([view['status'], view['allow_listed'], view['stopped_by']]).toEqual(['active', true, null]);
    // The same loop now goes through, past the detectors and the 12-call cap.
    for (let i = 0; i < 12; i++) expect((await loopCall(s, key, runId, i)).status).toBe(200);
    expect((await adminGet(s, `/admin/v1/runs/${runId}`))['calls']).toBeGreaterThan(12);
  });

  it("keeps an operator's kill in place when the run is allowed, and lets `runs resume` lift it", async () => {
    const runId = `killed-${randomBytes(3).toString('hex')}`;
    const base = ['--url', s.gw.url];
    expect((await chat(s, key, { 'x-tollgate-run': runId }, 'Plan the release notes.')).status).toBe(200);
    await tollgate(['runs', 'kill', runId, '--reason', 'cost review', ...base], env);
    const killed = await chat(s, key, { 'x-tollgate-run': runId }, 'Draft the first section.');
    expect(killed.status).toBe(403);
    expect(message(killed)).toMatch(/by an operator: killed: cost review\./);
    expect(message(killed)).not.toMatch(/runs allow/);
    expect((await adminGet(s, `/admin/v1/runs/${runId}`))['stopped_by']).toBe('operator');
    await tollgate(['runs', 'allow', runId, ...base], env);
    expect((await chat(s, key, { 'x-tollgate-run': runId }, 'Draft the second section.')).status).toBe(403);
    await tollgate([...suggested(message(killed), 'resume'), ...base], env);
    expect((await chat(s, key, { 'x-tollgate-run': runId }, 'Draft the third section.')).status).toBe(200);
  });

  it('keeps two run ids over 200 characters that share a 150-character prefix apart everywhere', async () => {
    const prefix = `long-${randomBytes(3).toString('hex')}-`.padEnd(150, 'a');
    const sent = [`${prefix}${'x'.repeat(156)}`, `${prefix}${'y'.repeat(156)}`];
    // Each task sends the same request 4 times: under the repeat streak alone, a loop if the two merged.
    for (const id of sent) for (let i = 0; i < 4; i++) expect((await chat(s, key, { 'x-tollgate-run': id }, 'Summarise the report.')).status).toBe(200);
    const rows = (await s.calls()).filter((r) => r.run?.startsWith(prefix));
    const ledgerRuns = [...new Set(rows.map((r) => r.run!))].sort();
    expect(ledgerRuns).toHaveLength(2);
    for (const id of ledgerRuns) {
      expect(id.length).toBeLessThanOrEqual(200);
      expect(rows.filter((r) => r.run === id)).toHaveLength(4);
    }
    const listed = ((await adminGet(s, '/admin/v1/runs?team=agents&limit=1000'))['data'] as { run: string; calls: number }[]).filter((r) => r.run.startsWith(prefix));
    expect(listed.map((r) => r.run).sort()).toEqual(ledgerRuns);
    expect(listed.map((r) => r.calls)).toEqual([4, 4]);
    const spend = ((await adminGet(s, '/admin/v1/spend?group_by=run&team=agents'))['data'] as { run: string; calls: number }[]).filter((r) => r.run?.startsWith(prefix));
    expect(spend.map((r) => r.run).sort()).toEqual(ledgerRuns);
    // The runs API names such a run by the id as sent, too.
    const byFullId = await adminGet(s, `/admin/v1/runs/${encodeURIComponent(sent[0]!)}`);
    expect([byFullId['run'], byFullId['calls']]).toEqual([ledgerRuns[0], 4]);
  });
});
