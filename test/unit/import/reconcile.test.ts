/**
 * Reconcile provider reports (fixtures in the providers' documented shapes) with a ledger built by hand:
 * nothing reported on matching data, and each planted discrepancy found and classified.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/analytics/reconcile-run.js';
import { importProviderReport, reportRows } from '../../../src/import/provider-usage/import.js';
import { emptySummary } from '../../../src/import/summary.js';
import type { CallRow } from '../../../src/storage/types.js';
import { tempLedger } from './ledger.js';

const FIX = (name: string): string => fileURLToPath(new URL(`../../fixtures/provider-usage/${name}`, import.meta.url));
const D1 = Date.UTC(2025, 9, 1, 9);
const D2 = Date.UTC(2025, 9, 2, 15);
const SONNET = 'claude-sonnet-4-20250514';
const HAIKU = 'claude-3-5-haiku-20241022';

function call(id: string, over: Partial<CallRow>): CallRow {
  return {
    id, startedAt: D1, firstByteAt: null, endedAt: D1, keyId: 'key_1', team: 't', user: null, project: null, run: null, agent: null, parent: null,
    tags: null, endpoint: 'messages', stream: false, provider: 'anthropic', requestedModel: SONNET, servedModel: SONNET, inputTokens: 0,
    cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0, costNanos: 0, estimated: false,
    status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, ...over,
  };
}

// Costs by hand from list prices ($/Mtok): Sonnet 4 in 3, read 0.3, 5m 3.75, 1h 6, out 15; Haiku 3.5 in 0.8, out 4.
const ANTHROPIC_LEDGER: CallRow[] = [
  call('a1', { inputTokens: 1000, cachedInputTokens: 2000, cacheWrite5mTokens: 500, outputTokens: 300, costNanos: 9_975_000 }),
  call('a2', { startedAt: D1 + 60_000, inputTokens: 200, cacheWrite1hTokens: 1000, outputTokens: 100, costNanos: 8_100_000 }),
  call('a3', { servedModel: HAIKU, inputTokens: 5000, outputTokens: 1000, costNanos: 8_000_000 }),
  call('a4', { startedAt: D2, inputTokens: 10_000, outputTokens: 2000, costNanos: 60_000_000 }),
  // Claude Code history imported into the ledger: not gateway traffic, so never compared.
  call('cc', { keyId: 'import:claude-code', startedAt: D2, servedModel: HAIKU, inputTokens: 99, outputTokens: 9, costNanos: 1 }),
  // Another day than the report covers: ignored.
  call('a5', { startedAt: Date.UTC(2025, 9, 9), inputTokens: 1, outputTokens: 1, costNanos: 1 }),
];
const OPENAI_LEDGER: CallRow[] = [
  // gpt-4o-mini: in 0.15, cached 0.075, out 0.6: 1000*0.15 + 3000*0.075 + 500*0.6 = 675 micro-dollars.
  call('o1', { provider: 'openai', endpoint: 'chat', servedModel: 'gpt-4o-mini', inputTokens: 1000, cachedInputTokens: 3000, outputTokens: 420, reasoningTokens: 80, costNanos: 675_000 }),
];
const ANTHROPIC_OPTS = { gatewayKeys: ['apikey_01Gateway'], gatewayWorkspaces: ['wrkspc_01Gateway'], tolerance: 0.01 };

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function ledgerWith(rows: CallRow[]) {
  const l = await tempLedger();
  cleanup = l.done;
  await l.store.appendCalls(rows);
  return l.store;
}

const rowsOf = (provider: 'openai' | 'anthropic', file: string) => reportRows(provider, FIX(file), emptySummary('t'));

describe('reconcile', () => {
  it('reports nothing when the Anthropic usage and cost reports match the ledger', async () => {
    const store = await ledgerWith(ANTHROPIC_LEDGER);
    const r = await reconcile(store, rowsOf('anthropic', 'anthropic-match.json'), ['anthropic'], ANTHROPIC_OPTS);
    expect(r.days).toEqual(['2025-10-01', '2025-10-02']);
    expect(r.compared).toBe(3);
    expect(r.findings).toEqual([]);
  });

  it('finds and classifies each planted Anthropic discrepancy', async () => {
    const store = await ledgerWith(ANTHROPIC_LEDGER);
    const r = await reconcile(store, rowsOf('anthropic', 'anthropic-planted.json'), ['anthropic'], ANTHROPIC_OPTS);
    const brief = r.findings.map((f) => [f.class, f.day, f.model, f.apiKeyId]);
    expect(brief).toEqual([
      ['metering_error', '2025-10-01', 'claude-3-5-haiku', null],
      ['key_outside_gateway', '2025-10-01', 'claude-sonnet-4', 'apikey_01Laptop'],
      ['bypassed_gateway', '2025-10-02', 'claude-opus-4-1', null],
      ['price_drift', '2025-10-02', 'claude-sonnet-4', null],
    ]);
    const drift = r.findings.find((f) => f.class === 'price_drift')!;
    // 3 + 3.6 cents reported against 6 cents in the ledger.
    expect(drift.provider.costNanos).toBe(66_000_000);
    expect(drift.ledger.costNanos).toBe(60_000_000);
    expect(r.findings[0]!.detail).toMatch(/outputTokens: provider 1500, ledger 1000/);
    expect(r.counts).toEqual({ key_outside_gateway: 1, bypassed_gateway: 1, metering_error: 1, price_drift: 1 });
  });

  it('without a key mapping, counts every reported token as gateway traffic', async () => {
    const store = await ledgerWith(ANTHROPIC_LEDGER);
    const r = await reconcile(store, rowsOf('anthropic', 'anthropic-planted.json'), ['anthropic'], { gatewayKeys: [], gatewayWorkspaces: [], tolerance: 0.01 });
    expect(r.findings.map((f) => [f.class, f.day, f.model])).toEqual([
      ['metering_error', '2025-10-01', 'claude-3-5-haiku'],
      ['metering_error', '2025-10-01', 'claude-sonnet-4'], // the laptop's tokens are now counted against the ledger
      ['bypassed_gateway', '2025-10-02', 'claude-opus-4-1'],
      ['price_drift', '2025-10-02', 'claude-sonnet-4'],
    ]);
  });

  it("reads OpenAI's input_tokens as including cached ones, and model snapshots as the model", async () => {
    const store = await ledgerWith(OPENAI_LEDGER);
    const opts = { gatewayKeys: ['key_gateway'], gatewayWorkspaces: [], tolerance: 0.01 };
    const clean = await reconcile(store, rowsOf('openai', 'openai-match.jsonl'), ['openai'], opts);
    expect(clean.findings).toEqual([]);
    expect(clean.compared).toBe(1);
    const planted = await reconcile(store, rowsOf('openai', 'openai-planted.jsonl'), ['openai'], opts);
    expect(planted.findings.map((f) => [f.class, f.model, f.apiKeyId])).toEqual([
      ['key_outside_gateway', 'gpt-4o-mini', 'key_notebook'],
      ['metering_error', 'gpt-4o-mini', null],
    ]);
    expect(planted.findings[0]!.provider).toMatchObject({ inputTokens: 2500, cachedInputTokens: 0, outputTokens: 100, calls: 1 });
  });

  it('honours the tolerance', async () => {
    const store = await ledgerWith(ANTHROPIC_LEDGER);
    // Haiku output 1500 vs 1000 is a 33% difference; price drift 10%.
    const r = await reconcile(store, rowsOf('anthropic', 'anthropic-planted.json'), ['anthropic'], { ...ANTHROPIC_OPTS, tolerance: 0.34 });
    expect(r.findings.map((f) => f.class)).toEqual(['key_outside_gateway', 'bypassed_gateway']);
  });

  it('imports reports idempotently and reconciles from the stored rows', async () => {
    const store = await ledgerWith(ANTHROPIC_LEDGER);
    const first = await importProviderReport(store, 'anthropic', FIX('anthropic-planted.json'));
    expect(first).toMatchObject({ written: 18, inserted: 18 });
    // 5 usage results and 13 cost results. Cents as decimal strings, summed exactly:
    // 1.8075 + 0.4 + 0.6 + 0.21 + 0.135 + 3 + 3.6 + 0.45 + 0.375 = 10.5775 cents.
    expect(first.costNanos).toBe(105_775_000);
    const again = await importProviderReport(store, 'anthropic', FIX('anthropic-planted.json'));
    expect(again).toMatchObject({ written: 18, inserted: 0 });
    const stored = await store.providerUsage({ provider: 'anthropic' });
    expect(stored).toHaveLength(18);
    const r = await reconcile(store, stored, ['anthropic'], ANTHROPIC_OPTS);
    expect(r.counts).toEqual({ key_outside_gateway: 1, bypassed_gateway: 1, metering_error: 1, price_drift: 1 });
  });
});
