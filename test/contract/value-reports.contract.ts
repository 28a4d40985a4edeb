/**
 * The waste report, outcomes and ROI over every Store backend: a small hand-written ledger, every expected
 * number worked out by hand in the comments. Run by value-sqlite.test.ts and value-postgres.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { roiReport, type RoiRow } from '../../src/analytics/roi-report.js';
import { roiConfigSchema, wasteConfigSchema } from '../../src/analytics/value-config.js';
import { wasteReport } from '../../src/analytics/waste-report.js';
import { configRates } from '../../src/pricing/price-book.js';
import type { CallRow, OutcomeRecord, Store } from '../../src/storage/types.js';
import type { MakeStore } from './store.contract.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** 2026-11-24T00:00:00Z */
const T0 = Date.UTC(2026, 10, 24);
const M = 1_000_000; // nanos in a tenth of a cent: 1 M nanos = $0.001
const USD = 1_000_000_000;

/** A row with no tokens and no cost unless given. */
function call(over: Partial<CallRow> & { id: string; startedAt: number }): CallRow {
  return {
    firstByteAt: null, endedAt: over.startedAt + 500, keyId: 'k', team: 'a', user: null, project: null, run: null, agent: null,
    parent: null, tags: null, endpoint: 'chat', stream: false, provider: 'p', requestedModel: 'mini', servedModel: 'mini',
    inputTokens: 0, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0,
    costNanos: 0, estimated: false, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null,
    route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null,
    ...over,
  };
}
const refused = { status: 'error', httpStatus: 403, errorCode: 'run_terminated' } as const;
const H1 = '11111111111111111111111111111111';
const H2 = '22222222222222222222222222222222';
const H3 = '33333333333333333333333333333333';

/** Window [T0, T0 + 24 h). */
const WASTE_LEDGER: CallRow[] = [
  // Run r1 (team a), stopped by the guard: 3 calls got through ($0.009), 2 were refused.
  // Mean per call that got through = 9 M / 3 = 3 M; the refused 2 would have cost 6 M more.
  // Its calls are tiny calls to the expensive model, but guard_stopped comes first.
  call({ id: 'w1', startedAt: T0 + 1 * MIN, run: 'r1', agent: 'looper', servedModel: 'big', inputTokens: 10, costNanos: 2 * M }),
  call({ id: 'w2', startedAt: T0 + 2 * MIN, run: 'r1', agent: 'looper', servedModel: 'big', inputTokens: 10, costNanos: 4 * M }),
  call({ id: 'w3', startedAt: T0 + 3 * MIN, run: 'r1', agent: 'looper', ...refused }),
  call({ id: 'w4', startedAt: T0 + 4 * MIN, run: 'r1', agent: 'looper', ...refused, errorCode: 'run_paused', httpStatus: 423 }),
  call({ id: 'w5', startedAt: T0 + 5 * MIN, run: 'r1', agent: 'helper', costNanos: 3 * M }),
  // Duplicates of team a (agent coder): H1 paid at 10m, so 40m and 69m are within the 60 min TTL; 70m is
  // exactly 60m later: a miss, a new paid entry; the cache hit at 80m is not waste.
  call({ id: 'd1', startedAt: T0 + 10 * MIN, agent: 'coder', requestHash: H1, costNanos: 1 * M }),
  call({ id: 'd2', startedAt: T0 + 40 * MIN, agent: 'coder', requestHash: H1, costNanos: 1 * M }),
  call({ id: 'd3', startedAt: T0 + 69 * MIN, agent: 'coder', requestHash: H1, costNanos: 1 * M }),
  call({ id: 'd4', startedAt: T0 + 70 * MIN, agent: 'coder', requestHash: H1, costNanos: 1 * M }),
  call({ id: 'd5', startedAt: T0 + 80 * MIN, agent: 'coder', requestHash: H1, cacheHit: true }),
  // The same bytes from team b are team b's first: not a duplicate.
  call({ id: 'd6', startedAt: T0 + 75 * MIN, team: 'b', requestHash: H1, costNanos: 1 * M }),
  // Team b paid for H2 30m before the window: the copy 20m into the window is a duplicate (5 M).
  call({ id: 'd0', startedAt: T0 - 30 * MIN, team: 'b', requestHash: H2, costNanos: 5 * M }),
  call({ id: 'd7', startedAt: T0 + 20 * MIN, team: 'b', requestHash: H2, costNanos: 5 * M }),
  // Team b, agent bot: H3 fails with cost (failed, 0.7 M), is retried and fails again (retried, 0.3 M
  // avoidable), retried and succeeds (retried, 0.9 M, nothing avoidable), then sent once more a minute
  // later: a duplicate of the success (0.9 M).
  call({ id: 'f1', startedAt: T0 + 100 * MIN, team: 'b', agent: 'bot', requestHash: H3, status: 'error', httpStatus: 502, errorCode: 'upstream_error', costNanos: 700_000 }),
  call({ id: 'f2', startedAt: T0 + 101 * MIN, team: 'b', agent: 'bot', requestHash: H3, status: 'aborted', httpStatus: 499, costNanos: 300_000 }),
  call({ id: 'f3', startedAt: T0 + 102 * MIN, team: 'b', agent: 'bot', requestHash: H3, costNanos: 900_000 }),
  call({ id: 'f4', startedAt: T0 + 103 * MIN, team: 'b', agent: 'bot', requestHash: H3, costNanos: 900_000 }),
  // A fallback chain: the failed first attempt (no cost) is a retry; the answer itself is not waste.
  call({ id: 'f5', startedAt: T0 + 110 * MIN, team: 'b', agent: 'bot', costNanos: 1_200_000 }),
  call({ id: 'f5.1', startedAt: T0 + 110 * MIN, team: 'b', agent: 'bot', attemptOf: 'f5', status: 'error', httpStatus: 502, errorCode: 'upstream_error' }),
  // An error that cost nothing is not waste.
  call({ id: 'f6', startedAt: T0 + 120 * MIN, team: 'b', agent: 'bot', status: 'error', httpStatus: 500, errorCode: 'upstream_error' }),
  // Oversized (team a, agent writer). Cheap model: $1/Mtok in (cached too), $4/Mtok out.
  // o1: 1000 in + 200 out at the cheap price = 1000 + 800 micro-dollars = 1.8 M; 18 M - 1.8 M = 16.2 M.
  call({ id: 'o1', startedAt: T0 + 200 * MIN, agent: 'writer', servedModel: 'big', inputTokens: 1000, outputTokens: 200, costNanos: 18 * M }),
  // o2: prompt over 2000 tokens; o3: used reasoning; o4: a model of the cheap tier. None is oversized.
  call({ id: 'o2', startedAt: T0 + 210 * MIN, agent: 'writer', servedModel: 'big', inputTokens: 3000, outputTokens: 100, costNanos: 30 * M }),
  call({ id: 'o3', startedAt: T0 + 220 * MIN, agent: 'writer', servedModel: 'big', inputTokens: 500, outputTokens: 100, reasoningTokens: 50, costNanos: 9 * M }),
  call({ id: 'o4', startedAt: T0 + 230 * MIN, agent: 'writer', servedModel: 'mid', inputTokens: 100, outputTokens: 10, costNanos: 5 * M }),
  // o5: 100 in + 100 cached + 50 out = 200 + 200 micro-dollars = 0.4 M; 2 M - 0.4 M = 1.6 M.
  call({ id: 'o5', startedAt: T0 + 240 * MIN, agent: 'writer', servedModel: 'big', inputTokens: 100, cachedInputTokens: 100, outputTokens: 50, costNanos: 2 * M }),
  // After the window: not counted.
  call({ id: 'x1', startedAt: T0 + DAY, status: 'error', httpStatus: 502, errorCode: 'upstream_error', costNanos: 1 * M }),
];

const usd = (nanos: number): number => nanos / USD;

/** Window [T0, T0 + 14 d): the week before T0 + 7 d and the last week. All costs in whole cents or dollars. */
function roiLedger(): CallRow[] {
  const rows: CallRow[] = [];
  const add = (over: Partial<CallRow> & { startedAt: number }): void => void rows.push(call({ id: `c${String(rows.length).padStart(3, '0')}`, ...over }));
  // alpha: 10 calls x $1 in run ra (5 each week): high spend, one $5 outcome. Not rising (5 vs 5).
  for (let i = 0; i < 5; i++) add({ startedAt: T0 + 3 * DAY + i * HOUR, team: 'alpha', run: 'ra', agent: 'coder', costNanos: USD });
  for (let i = 0; i < 5; i++) add({ startedAt: T0 + 10 * DAY + i * HOUR, team: 'alpha', run: 'ra', agent: 'coder', costNanos: USD });
  // beta: 2 calls x $0.5 in project pb: low spend, one $20 outcome.
  add({ startedAt: T0 + DAY, team: 'beta', project: 'pb', agent: 'triage', costNanos: USD / 2 });
  add({ startedAt: T0 + DAY + HOUR, team: 'beta', project: 'pb', agent: 'triage', costNanos: USD / 2 });
  // gamma: $1 the first week, 2 x $1.5 the last: 3 >= 1.5 x 1 and >= $1, no outcomes -> rising.
  add({ startedAt: T0 + 2 * DAY, team: 'gamma', agent: 'coder', costNanos: USD });
  add({ startedAt: T0 + 8 * DAY, team: 'gamma', agent: 'coder', costNanos: 1.5 * USD });
  add({ startedAt: T0 + 9 * DAY, team: 'gamma', agent: 'coder', costNanos: 1.5 * USD });
  // delta: 5 tiny calls a minute apart with the same bytes: 4 repeats >= 3 and 4/5 >= 0.5 -> synthetic.
  for (let i = 0; i < 5; i++) add({ startedAt: T0 + DAY + i * MIN, team: 'delta', agent: 'pinger', inputTokens: 10, requestHash: H1, costNanos: M });
  // eps ($3) and zeta ($1) share project ps, which earned $10.00000001: split 3:1 (see below).
  add({ startedAt: T0 + 4 * DAY, team: 'eps', project: 'ps', agent: 'a1', costNanos: 3 * USD });
  add({ startedAt: T0 + 4 * DAY, team: 'zeta', project: 'ps', agent: 'a2', costNanos: USD });
  // theta: $4 then $5: 5 < 1.5 x 4, not rising; only seen as such when the week before is read.
  add({ startedAt: T0 + 5 * DAY, team: 'theta', costNanos: 4 * USD });
  add({ startedAt: T0 + 12 * DAY, team: 'theta', costNanos: 5 * USD });
  return rows;
}

function outcome(over: Partial<OutcomeRecord> & { id: string; valueNanos: number; at: number }): OutcomeRecord {
  return { run: null, project: null, team: null, agent: null, label: 'pr_merged', createdAt: over.at, ...over };
}
const OUTCOMES: OutcomeRecord[] = [
  outcome({ id: 'o-ra', run: 'ra', valueNanos: 5 * USD, at: T0 + 11 * DAY }),
  outcome({ id: 'o-pb', project: 'pb', label: 'ticket_resolved', valueNanos: 20 * USD, at: T0 + 2 * DAY }),
  outcome({ id: 'o-ps', project: 'ps', valueNanos: 10 * USD + 10, at: T0 + 5 * DAY }),
  // No call matches run ghost: the whole $2 goes to the team it names.
  outcome({ id: 'o-ghost', run: 'ghost', team: 'omega', valueNanos: 2 * USD, at: T0 + 6 * DAY }),
  // After the window.
  outcome({ id: 'o-late', run: 'ra', valueNanos: 100 * USD, at: T0 + 15 * DAY }),
];

const roiConfig = roiConfigSchema.parse({ synthetic: { min_calls: 3, max_prompt_tokens: 64, window_minutes: 60, min_share: 0.5 } });

function rowOf(group: string | null, r: Omit<RoiRow, 'group' | 'low_value' | 'flags'>, flags: string[] = []): RoiRow {
  return { group, ...r, low_value: flags.length > 0, flags };
}

export function describeValueReports(name: string, make: MakeStore): void {
  describe(`waste, outcomes and ROI: ${name}`, () => {
    async function withStore(fn: (s: Store) => Promise<void>): Promise<void> {
      const { store, cleanup } = await make();
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
        await cleanup();
      }
    }

    it('scans the ledger in (startedAt, id) byte order by keyset pages, and filters by error code', () =>
      withStore(async (s) => {
        const ids = ['b', 'B', 'a', 'a.1', 'Z', '_'];
        await s.appendCalls([...ids.map((id) => call({ id, startedAt: T0 })), call({ id: 'late', startedAt: T0 + 1, ...refused }), call({ id: 'early', startedAt: T0 - 1 })]);
        const seen: string[] = [];
        let after: { startedAt: number; id: string } | undefined;
        for (;;) {
          const page = await s.scanCalls({ from: T0, to: T0 + 2, after, limit: 2 });
          seen.push(...page.map((c) => c.id));
          if (page.length < 2) break;
          after = { startedAt: page[1]!.startedAt, id: page[1]!.id };
        }
        expect(seen).toEqual(['B', 'Z', '_', 'a', 'a.1', 'b', 'late']);
        expect((await s.scanCalls({ errorCodes: ['run_terminated', 'run_paused'], limit: 10 })).map((c) => c.id)).toEqual(['late']);
        expect(await s.scanCalls({ errorCodes: [], limit: 10 })).toEqual([]);
        expect((await s.scanCalls({ team: 'nobody', limit: 10 })).length).toBe(0);
      }));

    it('leaves the replay features out of a scan that asks so, and nothing else', () =>
      withStore(async (s) => {
        const features = { bytes: 10, promptBound: 3, outputBound: 5, choices: 1, tools: false, images: false, routeHeader: null, noCache: false, unlimited: false, upstreamStatus: null, request: null, output: null };
        await s.appendCalls([call({ id: 'f', startedAt: T0, features, requestHash: 'h1', inputTokens: 7 })]);
        const [full] = await s.scanCalls({ limit: 10 });
        const [lean] = await s.scanCalls({ limit: 10, features: false });
        expect(full!.features).toEqual(features);
        expect(lean!.features).toBeNull();
        expect({ ...lean, features: full!.features }).toEqual(full);
      }));

    it('keeps everything but how the call was delivered in a scan that leaves that out (replay)', () =>
      withStore(async (s) => {
        const features = { bytes: 10, promptBound: 3, outputBound: 5, choices: 1, tools: false, images: false, routeHeader: 'fast', noCache: false, unlimited: false, upstreamStatus: null, request: null, output: null };
        const row = call({ id: 'd', startedAt: T0, features, requestHash: 'h1', inputTokens: 7, user: 'u', project: 'p', run: 'r', agent: 'a', parent: 'q', tags: 't1,t2', route: 'rule:x', errorCode: 'upstream_error', status: 'error', estimated: true });
        await s.appendCalls([{ ...row, firstByteAt: T0 + 1, stream: true, provider: 'prov', httpStatus: 502, upstreamRequestId: 'req-1', cacheHit: true, savedNanos: 5 }]);
        const [full] = await s.scanCalls({ limit: 10 });
        const [lean] = await s.scanCalls({ limit: 10, delivery: false });
        const delivery = ['firstByteAt', 'stream', 'provider', 'httpStatus', 'upstreamRequestId', 'savedNanos'] as const;
        const kept = (r: CallRow): Partial<CallRow> => Object.fromEntries(Object.entries(r).filter(([k]) => !(delivery as readonly string[]).includes(k)));
        expect(kept(lean!)).toEqual(kept(full!));
        // Replay reprices a call the cache served live (it cost nothing then) from its tokens: it needs to know.
        expect(lean!.cacheHit).toBe(true);
        expect(full!.features).toEqual(features);
      }));

    it('skips in a waste scan only the calls no waste rule can count or learn from', () =>
      withStore(async (s) => {
        await s.appendCalls([
          call({ id: 'plain', startedAt: T0 }),
          call({ id: 'cache-hit', startedAt: T0, cacheHit: true }),
          call({ id: 'other-run', startedAt: T0, run: 'r2' }),
          // H1 is sent twice by team a: both count. H2 once by team a and once by team b: neither.
          call({ id: 'hashed', startedAt: T0, requestHash: H1 }),
          call({ id: 'hashed-again', startedAt: T0 + 1, requestHash: H1 }),
          call({ id: 'once-a', startedAt: T0, requestHash: H2 }),
          call({ id: 'once-b', startedAt: T0, team: 'b', requestHash: H2 }),
          call({ id: 'attempt', startedAt: T0, attemptOf: 'hashed' }),
          call({ id: 'failed', startedAt: T0, status: 'error', httpStatus: 500 }),
          call({ id: 'big', startedAt: T0, servedModel: 'big' }),
          call({ id: 'in-stopped', startedAt: T0, run: 'r1' }),
          call({ id: 'stop', startedAt: T0 + 1, run: 'r1', ...refused }),
          // Team b's run r1 is another run than team a's: not stopped.
          call({ id: 'b-r1', startedAt: T0, team: 'b', run: 'r1' }),
          // Run r3 is stopped outside the scanned window: its calls in the window are no candidates.
          call({ id: 'r3-call', startedAt: T0, run: 'r3' }),
          call({ id: 'r3-stop', startedAt: T0 + DAY, run: 'r3', ...refused }),
        ]);
        const ids = async (c: { stopCodes: string[]; models: string[] }, team?: string): Promise<string[]> =>
          (await s.scanCalls({ from: T0, to: T0 + 2, team, wasteCandidates: c, limit: 100 })).map((x) => x.id).sort();
        const stopCodes = ['run_terminated', 'run_paused'];
        expect(await ids({ stopCodes, models: ['big'] })).toEqual(['attempt', 'big', 'failed', 'hashed', 'hashed-again', 'in-stopped', 'stop']);
        expect(await ids({ stopCodes, models: [] })).toEqual(['attempt', 'failed', 'hashed', 'hashed-again', 'in-stopped', 'stop']);
        expect(await ids({ stopCodes: [], models: ['big', 'mini'] })).toEqual(['attempt', 'b-r1', 'big', 'cache-hit', 'failed', 'hashed', 'hashed-again', 'in-stopped', 'once-a', 'once-b', 'other-run', 'plain', 'r3-call', 'stop']);
        expect(await ids({ stopCodes, models: ['big'] }, 'b')).toEqual([]);
        // A window ending before the second H1 and before r1's stop: the first H1 is then sent once, r1 not stopped.
        expect((await s.scanCalls({ from: T0, to: T0 + 1, wasteCandidates: { stopCodes, models: [] }, limit: 100 })).map((x) => x.id).sort()).toEqual(['attempt', 'failed']);
      }));

    it('stores outcomes and lists them by time window, team, run and project', () =>
      withStore(async (s) => {
        for (const o of OUTCOMES) await s.insertOutcome(o);
        expect(await s.outcomes({ limit: 100 })).toEqual([OUTCOMES[1], OUTCOMES[2], OUTCOMES[3], OUTCOMES[0], OUTCOMES[4]]);
        expect((await s.outcomes({ from: T0 + 5 * DAY, to: T0 + 15 * DAY, limit: 100 })).map((o) => o.id)).toEqual(['o-ps', 'o-ghost', 'o-ra']);
        // A limit keeps the latest: o-late (day 15) rather than o-ra (day 11).
        expect((await s.outcomes({ run: 'ra', limit: 1 })).map((o) => o.id)).toEqual(['o-late']);
        expect((await s.outcomes({ run: 'ra', limit: 2 })).map((o) => o.id)).toEqual(['o-ra', 'o-late']);
        expect((await s.outcomes({ team: 'omega', limit: 100 })).map((o) => o.id)).toEqual(['o-ghost']);
        expect((await s.outcomes({ project: 'pb', limit: 100 })).map((o) => o.id)).toEqual(['o-pb']);
      }));

    const wasteQuery = {
      from: T0,
      to: T0 + DAY,
      config: wasteConfigSchema.parse({ oversized: { cheap_model: 'mini' } }),
      tiers: new Map([['mini', 1], ['mid', 1], ['big', 3]]),
      cheapRates: configRates({ input_per_mtok: 1, output_per_mtok: 4 }),
    };

    it('prices an oversized call at the cheap model for the service tier that served it', () =>
      withStore(async (s) => {
        // 1000 in + 200 out at the cheap model's priority rates ($2 in, $8 out per Mtok) = 2000 + 1600 micro-dollars.
        await s.appendCalls([call({ id: 'p1', startedAt: T0 + 200 * MIN, agent: 'writer', servedModel: 'big', inputTokens: 1000, outputTokens: 200, costNanos: 18 * M, serviceTier: 'priority' })]);
        const cheapRates = configRates({ input_per_mtok: 1, output_per_mtok: 4, service_tiers: { priority: { input_per_mtok: 2, output_per_mtok: 8 } } });
        const r = await wasteReport(s, { ...wasteQuery, cheapRates });
        expect(r.by_category.find((c) => c.category === 'oversized_model')).toEqual({ category: 'oversized_model', calls: 1, cost_usd: usd(18 * M), avoidable_usd: usd(18 * M - 3_600_000) });
      }));

    it('reports waste per team and agent by category, as worked out by hand', () =>
      withStore(async (s) => {
        await s.appendCalls(WASTE_LEDGER);
        const r = await wasteReport(s, { ...wasteQuery, config: { ...wasteQuery.config, retry_window_minutes: 60 } });
        expect(r.from).toBe('2026-11-24T00:00:00.000Z');
        expect(r.to).toBe('2026-11-25T00:00:00.000Z');
        expect(r.by_category).toEqual([
          // r1: 5 calls, 9 M spent, all avoidable; would have cost 9 M + 2 refused x 3 M = 15 M.
          { category: 'guard_stopped', calls: 5, cost_usd: usd(9 * M), avoidable_usd: usd(9 * M), would_have_cost_usd: usd(15 * M) },
          // d2, d3 (2 M) + d7 (5 M) + f4 (0.9 M) = 7.9 M.
          { category: 'duplicate', calls: 4, cost_usd: usd(7_900_000), avoidable_usd: usd(7_900_000) },
          { category: 'failed', calls: 1, cost_usd: usd(700_000), avoidable_usd: usd(700_000) },
          // f2 (0.3 M, failed), f3 (0.9 M, succeeded), f5.1 (0): 1.2 M cost, 0.3 M avoidable.
          { category: 'retried', calls: 3, cost_usd: usd(1_200_000), avoidable_usd: usd(300_000) },
          // o1 + o5: 20 M cost, 16.2 M + 1.6 M = 17.8 M avoidable.
          { category: 'oversized_model', calls: 2, cost_usd: usd(20 * M), avoidable_usd: usd(17_800_000) },
        ]);
        // The same over pages of 2 calls: state carried across page boundaries.
        expect(await wasteReport(s, { ...wasteQuery, pageSize: 2 })).toEqual(r);
        // 9 + 7.9 + 0.7 + 0.3 + 17.8 = 35.7 M.
        expect(r.total_usd).toBe(usd(35_700_000));
        // Largest avoidable first. Looper: 4 calls, 6 M, would have been 6 M + 2 x 3 M = 12 M.
        expect(r.data).toEqual([
          { team: 'a', agent: 'writer', category: 'oversized_model', calls: 2, cost_usd: usd(20 * M), avoidable_usd: usd(17_800_000) },
          { team: 'a', agent: 'looper', category: 'guard_stopped', calls: 4, cost_usd: usd(6 * M), avoidable_usd: usd(6 * M), would_have_cost_usd: usd(12 * M) },
          { team: 'b', agent: null, category: 'duplicate', calls: 1, cost_usd: usd(5 * M), avoidable_usd: usd(5 * M) },
          { team: 'a', agent: 'helper', category: 'guard_stopped', calls: 1, cost_usd: usd(3 * M), avoidable_usd: usd(3 * M), would_have_cost_usd: usd(3 * M) },
          { team: 'a', agent: 'coder', category: 'duplicate', calls: 2, cost_usd: usd(2 * M), avoidable_usd: usd(2 * M) },
          { team: 'b', agent: 'bot', category: 'duplicate', calls: 1, cost_usd: usd(900_000), avoidable_usd: usd(900_000) },
          { team: 'b', agent: 'bot', category: 'failed', calls: 1, cost_usd: usd(700_000), avoidable_usd: usd(700_000) },
          { team: 'b', agent: 'bot', category: 'retried', calls: 3, cost_usd: usd(1_200_000), avoidable_usd: usd(300_000) },
        ]);
      }));

    it("counts a stopped run as its team's only: another team's run of the same id is not waste for it", () =>
      withStore(async (s) => {
        await s.appendCalls([
          call({ id: 's1', startedAt: T0 + MIN, run: 'shared', agent: 'looper', costNanos: 2 * M }),
          call({ id: 's2', startedAt: T0 + 2 * MIN, run: 'shared', agent: 'looper', ...refused }),
          // Team b's run of the same id was never stopped; its call is an oversized one (1000 in at the cheap price: 1 M).
          call({ id: 's3', startedAt: T0 + 3 * MIN, team: 'b', run: 'shared', agent: 'coder', servedModel: 'big', inputTokens: 1000, costNanos: 4 * M }),
        ]);
        const r = await wasteReport(s, wasteQuery);
        expect(r.data).toEqual([
          { team: 'b', agent: 'coder', category: 'oversized_model', calls: 1, cost_usd: usd(4 * M), avoidable_usd: usd(3 * M) },
          { team: 'a', agent: 'looper', category: 'guard_stopped', calls: 2, cost_usd: usd(2 * M), avoidable_usd: usd(2 * M), would_have_cost_usd: usd(4 * M) },
        ]);
        expect((await wasteReport(s, { ...wasteQuery, team: 'b' })).data).toEqual([r.data[0]]);
      }));

    it('scopes waste to one team, keeps the window, and reads its own config', () =>
      withStore(async (s) => {
        await s.appendCalls(WASTE_LEDGER);
        const b = await wasteReport(s, { ...wasteQuery, team: 'b' });
        // d7 5 M + f4 0.9 M duplicates, f1 0.7 M failed, f2 0.3 M retried = 6.9 M.
        expect(b.total_usd).toBe(usd(6_900_000));
        expect(new Set(b.data.map((d) => d.team))).toEqual(new Set(['b']));
        // Without the oversized rule, and with a 30 min duplicate window: d2 (30 m after d1) is not a
        // duplicate, d3 (69 m) is not either, and d4..: d1 10m -> d2 40m is exactly 30 m: a miss, new entry
        // at 40m; d3 at 69m is 29 m later: a duplicate; d4 at 70 m: 30 m: a miss. d7: 50 m after d0: a miss.
        const narrow = await wasteReport(s, { ...wasteQuery, config: wasteConfigSchema.parse({ duplicate_window_minutes: 30 }) });
        const dup = narrow.by_category.find((c) => c.category === 'duplicate')!;
        // d3 (1 M) + f4 (0.9 M).
        expect(dup).toEqual({ category: 'duplicate', calls: 2, cost_usd: usd(1_900_000), avoidable_usd: usd(1_900_000) });
        expect(narrow.by_category.find((c) => c.category === 'oversized_model')!.calls).toBe(0);
      }));

    it('ranks ROI by value per dollar with outcomes attributed as worked out by hand', () =>
      withStore(async (s) => {
        await s.appendCalls(roiLedger());
        for (const o of OUTCOMES) await s.insertOutcome(o);
        const q = { from: T0, to: T0 + 14 * DAY, config: roiConfig };
        const byTeam = await roiReport(s, { ...q, groupBy: 'team' });
        expect(byTeam.group_by).toBe('team');
        expect(byTeam.ranking).toBe('value_per_dollar');
        // ps earned 10_000_000_010 nanos, split 3:1 by cost: 7_500_000_007.5 and 2_500_000_002.5; both
        // remainders equal, the spare nano goes to the first by name (eps): 7_500_000_008 and 2_500_000_002.
        expect(byTeam.data).toEqual([
          // omega: no cost, $2 of value (free value ranks first); cost per outcome $0.
          rowOf('omega', { cost_usd: 0, outcomes: 1, value_usd: 2, value_per_dollar: null, cost_per_outcome_usd: 0 }),
          rowOf('beta', { cost_usd: 1, outcomes: 1, value_usd: 20, value_per_dollar: 20, cost_per_outcome_usd: 1 }),
          // 7.500000008 / 3 = 2.5000000027 -> 2.5 (6 decimals); $3 / 0.75 outcomes = $4.
          rowOf('eps', { cost_usd: 3, outcomes: 0.75, value_usd: 7.500000008, value_per_dollar: 2.5, cost_per_outcome_usd: 4 }),
          rowOf('zeta', { cost_usd: 1, outcomes: 0.25, value_usd: 2.500000002, value_per_dollar: 2.5, cost_per_outcome_usd: 4 }),
          rowOf('alpha', { cost_usd: 10, outcomes: 1, value_usd: 5, value_per_dollar: 0.5, cost_per_outcome_usd: 10 }),
          // No value: by name.
          rowOf('delta', { cost_usd: 0.005, outcomes: 0, value_usd: 0, value_per_dollar: 0, cost_per_outcome_usd: null }, ['synthetic_usage']),
          rowOf('gamma', { cost_usd: 4, outcomes: 0, value_usd: 0, value_per_dollar: 0, cost_per_outcome_usd: null }, ['spend_rising_without_outcomes']),
          rowOf('theta', { cost_usd: 9, outcomes: 0, value_usd: 0, value_per_dollar: 0, cost_per_outcome_usd: null }),
        ]);

        // By agent: coder = alpha ($10) + gamma ($4) with ra's $5: 5/14 = 0.357143, $14 per outcome.
        // The null agent: theta ($9) and the ghost outcome, which names no agent: 2/9 = 0.222222.
        const byAgent = await roiReport(s, { ...q, groupBy: 'agent' });
        expect(byAgent.data.map((r) => [r.group, r.cost_usd, r.value_usd, r.value_per_dollar, r.cost_per_outcome_usd, r.flags])).toEqual([
          ['triage', 1, 20, 20, 1, []],
          ['a1', 3, 7.500000008, 2.5, 4, []],
          ['a2', 1, 2.500000002, 2.5, 4, []],
          ['coder', 14, 5, 0.357143, 14, []],
          [null, 9, 2, 0.222222, 9, []],
          ['pinger', 0.005, 0, 0, null, ['synthetic_usage']],
        ]);

        // Only the last week: gamma is still rising against the week before (read outside the window),
        // theta is not (5 < 1.5 x 4), and the ra outcome at day 11 falls inside, beta's at day 2 does not.
        const lastWeek = await roiReport(s, { from: T0 + 7 * DAY, to: T0 + 14 * DAY, config: roiConfig, groupBy: 'team' });
        expect(lastWeek.data.map((r) => [r.group, r.cost_usd, r.value_usd, r.flags])).toEqual([
          ['alpha', 5, 5, []],
          ['gamma', 3, 0, ['spend_rising_without_outcomes']],
          ['theta', 5, 0, []],
        ]);
      }));

    it('never ranks by usage unless asked: high spend and low value ranks below low spend and high value', () =>
      withStore(async (s) => {
        await s.appendCalls(roiLedger());
        for (const o of OUTCOMES) await s.insertOutcome(o);
        const q = { from: T0, to: T0 + 14 * DAY, config: roiConfig, groupBy: 'team' as const };
        const order = (r: { data: RoiRow[] }): (string | null)[] => r.data.map((x) => x.group);
        const byDefault = order(await roiReport(s, q));
        // alpha spent the most ($10) for $5; beta spent $1 for $20.
        expect(byDefault.indexOf('beta')).toBeLessThan(byDefault.indexOf('alpha'));
        // gamma and theta spent more than beta, eps, zeta and omega, with nothing to show: they are last.
        expect(byDefault.slice(-2)).toEqual(['gamma', 'theta']);
        // Ordering by spend exists only as an explicit choice, and then says so.
        const byCost = await roiReport(s, { ...q, sort: 'cost' });
        expect(byCost.ranking).toBe('cost');
        expect(order(byCost).slice(0, 3)).toEqual(['alpha', 'theta', 'gamma']);
        expect(byDefault).not.toEqual(order(byCost));
      }));

    it("shows a team key its own groups only, and no share of an outcome other teams' calls match too", () =>
      withStore(async (s) => {
        await s.appendCalls(roiLedger());
        for (const o of OUTCOMES) await s.insertOutcome(o);
        // Only eps's agent a1 matches this one: eps sees all of it.
        await s.insertOutcome(outcome({ id: 'o-a1', project: 'ps', agent: 'a1', valueNanos: 6 * USD, at: T0 + 5 * DAY }));
        const eps = await roiReport(s, { from: T0, to: T0 + 14 * DAY, config: roiConfig, groupBy: 'team', team: 'eps' });
        // The admin splits o-ps ($10) 3:1 between eps and zeta; eps's key is not shown its 0.75 of it,
        // from which it could tell zeta's spend on ps ($1) from its own.
        expect(eps.data).toEqual([rowOf('eps', { cost_usd: 3, outcomes: 1, value_usd: 6, value_per_dollar: 2, cost_per_outcome_usd: 3 })]);
        const admin = await roiReport(s, { from: T0, to: T0 + 14 * DAY, config: roiConfig, groupBy: 'team' });
        expect(admin.data.find((r) => r.group === 'eps')).toMatchObject({ outcomes: 1.75, value_usd: 13.500000008 });
        // By project for a1's team: ps carries only eps's $3 and its own outcome; omega's unmatched outcome is hidden.
        const proj = await roiReport(s, { from: T0, to: T0 + 14 * DAY, config: roiConfig, groupBy: 'project', team: 'eps' });
        expect(proj.data.map((r) => [r.group, r.cost_usd, r.value_usd])).toEqual([['ps', 3, 6]]);
      }));
  });
}
