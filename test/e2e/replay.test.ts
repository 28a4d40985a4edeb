/**
 * Replay equals live: calls sent through the gateway (budgets that refuse some, a looping run the guard
 * stops, route rules that reroute some, a cache that answers repeats), then replayed from the ledger
 * with the same config, must give the same blocks (which calls, which budget), guard stops (which run,
 * at which call), routes (served model per call) and cache hits. Another team reuses the stopped run's
 * id: runs are per team, live and in replay, so its calls go through in both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerPages, loadPolicy, replayPages, type CallOutcome } from '../../src/analytics/replay/index.js';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';
import { tollgate } from './process.js';

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
];

interface Sent {
  status: number;
  code: string | null;
  budget: string | null;
  callId: string | null;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('replay equals live', () => {
  let s: Stack;
  const sent: Sent[] = [];

  async function chat(key: string, headers: Record<string, string>, content: string, model = 'test-gpt'): Promise<Sent> {
    const res = await fetch(`${s.gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content }] }),
    });
    const body = (await res.json()) as { error?: { code?: string; budget?: { id?: string } } };
    const out = { status: res.status, code: body.error?.code ?? null, budget: body.error?.budget?.id ?? null, callId: res.headers.get('x-tollgate-call-id') };
    sent.push(out);
    // One call at a time, and its ledger row ended before the next starts: the live order is unambiguous.
    await pause(40);
    return out;
  }

  beforeAll(async () => {
    s = await startStack({
      config: (base) => ({
        ...base,
        guard: { enabled: true },
        defaults: { key_budget: null, key_rate_limit: null, max_tokens: 256, min_clamp_tokens: 16 },
        budgets: [{ scope: 'team:spend', limit_usd: 0.001, period: 'day' }],
        routes: [
          { name: 'cheap', match: { header: 'cheap' }, serve: 'test-cheap' },
          { name: 'cached', match: { header: 'cached' }, cache: { ttl_seconds: 300, scope: 'team' } },
        ],
        models: {
          ...(base['models'] as Record<string, unknown>),
          'test-cheap': { provider: 'openai', upstream_model: 'gpt-cheap-upstream', price: { input_per_mtok: 0.1, output_per_mtok: 0.4 } },
        },
      }),
    });
    const spender = await s.createKey({ team: 'spend' });
    const agents = await s.createKey({ team: 'agents' });
    const other = await s.createKey({ team: 'other' });
    // Budget: distinct requests until team:spend refuses; every third one asks to be routed to the cheap model.
    for (let i = 0; i < 10; i++) await chat(spender, i % 3 === 2 ? { cheap: '', 'x-tollgate-route': 'cheap' } : {}, directive({ completion_tokens: 18 }, TASKS[i]!));
    // Cache: the same bytes three times (two hits), then something new.
    for (let i = 0; i < 3; i++) await chat(other, { 'x-tollgate-route': 'cached' }, directive({ completion_tokens: 12 }, 'Name three prime numbers.'));
    await chat(other, { 'x-tollgate-route': 'cached' }, directive({ completion_tokens: 12 }, 'Name three even numbers.'));
    // A loop between two agents the guard stops, and calls after the stop.
    for (let i = 0; i < 10; i++) {
      const agent = i % 2 === 0 ? 'writer' : 'reviewer';
      await chat(agents, { 'x-tollgate-run': 'loop-1', 'x-tollgate-agent': agent }, directive({ completion_tokens: 5 }, agent === 'writer' ? 'Please confirm the summary is final.' : 'Confirmed. The summary is final.'));
    }
    // Another team sending the stopped run's id: its own run, healthy, never refused.
    for (let i = 0; i < 4; i++) await chat(other, { 'x-tollgate-run': 'loop-1', 'x-tollgate-agent': 'coder' }, directive({ completion_tokens: 8 }, TASKS[i + 5]!));
    // A healthy run with distinct steps, routed cheap half the time.
    for (let i = 0; i < 6; i++) await chat(agents, { 'x-tollgate-run': 'healthy-1', 'x-tollgate-agent': 'coder', ...(i % 2 ? { 'x-tollgate-route': 'cheap' } : {}) }, directive({ completion_tokens: 8 }, TASKS[i]!));
  }, 60_000);
  afterAll(() => s.close());

  it('gives the same blocks, guard stops, routes and cache hits as the gateway did', async () => {
    await s.gw.deps.recorder.flush();
    const rows = (await s.calls()).filter((r) => r.attemptOf === null).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
    expect(rows).toHaveLength(sent.length);
    // The ledger and the client agree on the order (ids from the response header).
    expect(rows.map((r) => r.id)).toEqual(sent.map((x) => x.callId));
    expect(rows.every((r) => r.features !== null && r.features !== undefined)).toBe(true);
    // Sizes, flags and hashes only: none of the prompts' words.
    expect(JSON.stringify(rows.map((r) => r.features))).not.toMatch(/migration|confirm|prime|summary|mock/i);

    const policy = await loadPolicy(s.config);
    const report = await replayPages(ledgerPages(s.gw.deps.store, { pageSize: 7 }), policy, { outcomes: true });
    const byId = new Map<string, CallOutcome>(report.outcomes!.map((o) => [o.id, o]));

    const live = rows.map((r, i) => ({
      id: r.id,
      blocked: r.errorCode,
      budget: sent[i]!.budget,
      model: r.errorCode === null ? r.servedModel : null,
      cached: r.cacheHit,
      run: r.run,
    }));
    const replayed = rows.map((r) => {
      const o = byId.get(r.id)!;
      const b = o.blockedBy;
      return {
        id: r.id,
        blocked: b === null ? null : b.kind === 'budget' ? 'budget_exceeded' : b.kind === 'guard' ? b.refusal : b.kind === 'rate' ? 'rate_limited' : 'route',
        budget: b?.kind === 'budget' ? b.budget : null,
        model: b === null ? o.model : null,
        cached: o.outcome === 'cached',
        run: r.run,
      };
    });
    expect(replayed).toEqual(live);

    // The scenario exercised every policy: some budget blocks, a stopped run, reroutes and cache hits.
    expect(live.filter((c) => c.blocked === 'budget_exceeded').length).toBeGreaterThanOrEqual(2);
    expect(live.filter((c) => c.budget === 'team:spend/day').length).toBe(live.filter((c) => c.blocked === 'budget_exceeded').length);
    expect(live.filter((c) => c.blocked === 'run_terminated').length).toBeGreaterThanOrEqual(1);
    expect(live.filter((c) => c.model === 'test-cheap').length).toBeGreaterThanOrEqual(3);
    expect(live.filter((c) => c.cached).length).toBe(2);

    // The other team's loop-1 went through, live (and so in replay, compared above).
    expect(rows.filter((r) => r.run === 'loop-1' && r.team === 'other').map((r) => r.errorCode)).toEqual([null, null, null, null]);

    // The guard stops: the runs (team and id) the gateway stopped (its run view), and loop-1 at the call it did.
    const stopped: string[] = [];
    for (const key of new Set(rows.map((r) => `${r.team}/${r.run!}`))) {
      const [team, run] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
      const res = await fetch(`${s.gw.url}/admin/v1/runs/${encodeURIComponent(run)}?team=${encodeURIComponent(team)}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status).toBe(200);
      const view = (await res.json()) as { status?: string };
      if (view.status === 'terminated' || view.status === 'paused') stopped.push(key);
    }
    expect(stopped).toContain('agents/loop-1');
    expect(stopped).not.toContain('other/loop-1');
    expect(report.runs.map((g) => `${g.team}/${g.run}`).sort()).toEqual(stopped.sort());
    const firstRefused = rows.find((r) => r.errorCode === 'run_terminated')!;
    const stop = report.runs.find((g) => g.run === 'loop-1')!;
    const loopRows = rows.filter((r) => r.run === 'loop-1' && r.team === 'agents');
    const stopIndex = loopRows.findIndex((r) => r.id === stop.callId) + 1;
    expect(stop.callIndex).toBe(stopIndex);
    expect(stop.refused).toBe(loopRows.filter((r) => r.errorCode === 'run_terminated').length);
    expect([stop.callId, loopRows[stopIndex]?.id]).toContain(firstRefused.id);

    // The same policy: what was spent is what replay spends.
    expect(report.spend.afterNanos).toBe(report.spend.beforeNanos);
    expect(report.budgets.find((b) => b.budget === 'team:spend/day')!.exhaustedAt).toBe(rows.find((r) => r.errorCode === 'budget_exceeded')!.startedAt);
    expect(report.notEvaluated).toEqual({ guardNoDigest: 0, guardNoOutputDigest: 0, routingNoFeatures: 0, budgetsNoFeatures: 0, costUnknown: 0, unpriced: 0 });
  });

  it('prints the same findings from the CLI, as text and JSON', async () => {
    await s.gw.deps.recorder.flush();
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { stringify } = await import('yaml');
    const file = join(s.dir, 'policy.yaml');
    const cfg = { ...s.config } as Record<string, unknown>;
    writeFileSync(file, stringify(JSON.parse(JSON.stringify(cfg))));
    const json = JSON.parse((await tollgate(['replay', '--config', file, '--since', '1d', '--json'])).stdout) as { blocked: { budget: number; guard: number }; runs: { run: string }[] };
    const rows = (await s.calls()).filter((r) => r.attemptOf === null);
    expect(json.blocked.budget).toBe(rows.filter((r) => r.errorCode === 'budget_exceeded').length);
    expect(json.blocked.guard).toBe(rows.filter((r) => r.errorCode?.startsWith('run_')).length);
    expect(json.runs.map((r) => r.run)).toContain('loop-1');
    const text = (await tollgate(['replay', '--config', file, '--since', '1d'])).stdout;
    expect(text).toMatch(new RegExp(`Runs the guard would have stopped \\(${json.runs.length}\\)`));
    expect(text).toMatch(/team:spend\/day/);
  });
});
