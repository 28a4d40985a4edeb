/**
 * Past spend for the demo (and the dashboard benchmark): synthetic ledger rows appended straight to the
 * store before the gateway starts, so the burn chart, forecast and trends have weeks of history.
 * Deterministic (a seeded generator), so screenshots look the same from run to run. Shaped like the
 * gateway's own rows: every call has a request fingerprint (one in ten repeats an earlier request of
 * its team that day, as retries and re-asked questions do) and the per-call replay features.
 */
import type { CallFeatures, CallRow, Store } from '../storage/types.js';
import { DEMO_PRICES, type DemoModel } from './config.js';

const DAY_MS = 86_400_000;

/** mulberry32: small, seeded, good enough for demo data. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer nano-dollars of a call: rates are USD per million tokens, i.e. rate × 1000 nanos per token. */
export function costNanos(model: DemoModel, input: number, output: number): number {
  const p = DEMO_PRICES[model];
  return Math.round(input * p.input_per_mtok * 1000) + Math.round(output * p.output_per_mtok * 1000);
}

export interface SeedTeam {
  team: string;
  project: string;
  agent: string;
  model: DemoModel;
  /** Average spend per day in USD. */
  dailyUsd: number;
  /** Growth of the daily spend per day (0.02 = 2 % a day). */
  trend: number;
}

export const DEMO_TEAMS: SeedTeam[] = [
  { team: 'platform', project: 'code-assistant', agent: 'coder', model: 'gpt-5', dailyUsd: 22, trend: 0.01 },
  { team: 'data', project: 'nightly-etl', agent: 'mapper', model: 'gpt-5-mini', dailyUsd: 9, trend: 0 },
  { team: 'research', project: 'deep-review', agent: 'writer', model: 'claude-sonnet-4-5', dailyUsd: 12, trend: 0.03 },
  { team: 'growth', project: 'outreach', agent: 'drafter', model: 'claude-sonnet-4-5', dailyUsd: 16, trend: 0.04 },
];

/** Rows for `days` whole days before the day of `now` (UTC), `callsPerDay` per team. */
export function* seedRows(o: { now: number; days: number; callsPerDay: number; teams?: SeedTeam[]; keyId?: string; seed?: number }): Generator<CallRow> {
  const rnd = random(o.seed ?? 7);
  const today = Math.floor(o.now / DAY_MS) * DAY_MS;
  let n = 0;
  for (let d = o.days; d >= 1; d--) {
    const dayStart = today - d * DAY_MS;
    // A real ledger is appended in time order (call ids start with the time): keep each day sorted.
    const day: CallRow[] = [];
    for (const t of o.teams ?? DEMO_TEAMS) {
      const hashes: string[] = [];
      const usd = t.dailyUsd * (1 + t.trend * (o.days - d)) * (0.75 + rnd() * 0.5);
      const perCall = usd / o.callsPerDay;
      const p = DEMO_PRICES[t.model];
      for (let i = 0; i < o.callsPerDay; i++) {
        // Split the call's cost 60/40 between input and output tokens.
        const input = Math.max(1, Math.round((perCall * 0.6 * 1e6) / p.input_per_mtok));
        const output = Math.max(1, Math.round((perCall * 0.4 * 1e6) / p.output_per_mtok));
        const startedAt = dayStart + Math.floor(rnd() * (DAY_MS - 60_000));
        const run = `${t.agent}-${d}-${Math.floor(i / 8)}`;
        const repeat = hashes.length > 0 && rnd() < 0.1;
        const requestHash = repeat ? hashes[Math.floor(rnd() * hashes.length)]! : hex32(rnd);
        if (!repeat) hashes.push(requestHash);
        day.push({
          id: '',
          startedAt,
          firstByteAt: startedAt + 300,
          endedAt: startedAt + 1200 + Math.floor(rnd() * 4000),
          keyId: o.keyId ?? `seed${t.team}`,
          team: t.team,
          user: null,
          project: t.project,
          run,
          agent: t.agent,
          parent: null,
          tags: null,
          endpoint: t.model.startsWith('claude') ? 'messages' : 'chat',
          stream: false,
          provider: t.model.startsWith('claude') ? 'anthropic' : 'openai',
          requestedModel: t.model,
          servedModel: t.model,
          inputTokens: input,
          cachedInputTokens: 0,
          cacheWrite5mTokens: 0,
          cacheWrite1hTokens: 0,
          outputTokens: output,
          reasoningTokens: 0,
          costNanos: costNanos(t.model, input, output),
          estimated: false,
          status: 'ok',
          httpStatus: 200,
          errorCode: null,
          upstreamRequestId: null,
          attemptOf: null,
          route: null,
          cacheHit: false,
          savedNanos: 0,
          requestHash,
          webSearches: 0,
          serviceTier: null,
          features: seedFeatures(rnd, input, output),
        });
      }
    }
    day.sort((a, b) => a.startedAt - b.startedAt);
    for (const r of day) yield { ...r, id: `seed${r.startedAt.toString(36)}${(n++).toString(36).padStart(7, '0')}` };
  }
}

/** 32 hex digits (128 bits), the shape of the gateway's request fingerprint. */
function hex32(rnd: () => number): string {
  let h = '';
  for (let i = 0; i < 4; i++) h += Math.floor(rnd() * 0x100000000).toString(16).padStart(8, '0');
  return h;
}

/** Replay features as the gateway records them: sizes, bounds and the run guard's digests. */
function seedFeatures(rnd: () => number, input: number, output: number): CallFeatures {
  const word = (): number => Math.floor(rnd() * 0x100000000);
  return {
    bytes: input * 4,
    promptBound: input * 4,
    outputBound: 4096,
    choices: 1,
    tools: false,
    images: false,
    routeHeader: null,
    noCache: false,
    unlimited: false,
    upstreamStatus: null,
    request: { sketch: [word(), word()], words: Math.max(1, Math.round(input / 40)), fresh: false },
    output: { sketch: [word(), word()], words: Math.max(1, Math.round(output * 0.75)), sample: Array.from({ length: 8 }, word), affirmation: false, toolKey: null, toolNames: null },
  };
}

/** Append rows in batches (one transaction each); returns how many were written. */
export async function appendInBatches(store: Store, rows: Iterable<CallRow>, batch = 5000): Promise<number> {
  let buf: CallRow[] = [];
  let total = 0;
  for (const r of rows) {
    buf.push(r);
    if (buf.length >= batch) {
      await store.appendCalls(buf);
      total += buf.length;
      buf = [];
    }
  }
  if (buf.length) {
    await store.appendCalls(buf);
    total += buf.length;
  }
  return total;
}
