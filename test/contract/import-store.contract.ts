/**
 * The Store contract for importing and reconciling: provider report rows (upsert by id, filtered by
 * provider and bucket) and the ledger scan in (startedAt, id) order a page at a time.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importProviderReport } from '../../src/import/provider-usage/import.js';
import type { CallRow, ProviderUsageRow, Store } from '../../src/storage/types.js';
import { importIntoLedger } from '../../src/import/ledger-writer.js';
import { countWritten, emptySummary } from '../../src/import/summary.js';
import type { MakeStore } from './store.contract.js';

const DAY = 86_400_000;
/** Anthropic usage and cost pages: 18 results, 10.5775 cents of cost (test/unit/import/reconcile.test.ts). */
const PLANTED = fileURLToPath(new URL('../fixtures/provider-usage/anthropic-planted.json', import.meta.url));
const T0 = Date.UTC(2025, 9, 1);

function usage(over: Partial<ProviderUsageRow> & { id: string }): ProviderUsageRow {
  return {
    provider: 'anthropic', kind: 'usage', bucketStart: T0, bucketEnd: T0 + DAY, model: 'claude-x', apiKeyId: 'apikey_1', workspace: 'wrk_1',
    userId: null, detail: null, requests: 0, inputTokens: 10, cachedInputTokens: 20, cacheWrite5mTokens: 30, cacheWrite1hTokens: 40,
    outputTokens: 50, costNanos: 0, importedAt: 1, ...over,
  };
}

function call(id: string, startedAt: number): CallRow {
  return {
    id, startedAt, firstByteAt: null, endedAt: startedAt, keyId: 'k', team: 't', user: null, project: null, run: null, agent: null, parent: null,
    tags: null, endpoint: 'messages', stream: true, provider: 'anthropic', requestedModel: 'm', servedModel: 'm', inputTokens: 1, cachedInputTokens: 0,
    cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 1, reasoningTokens: 0, costNanos: 5_000_000_000_123, estimated: false, status: 'ok',
    httpStatus: 200, errorCode: null, upstreamRequestId: null, attemptOf: null, route: null, cacheHit: false, savedNanos: 0, requestHash: null, webSearches: 0, serviceTier: null, features: null,
  };
}

export function describeImportStore(name: string, make: MakeStore): void {
  describe(`Store contract (import): ${name}`, () => {
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

    it('upserts provider usage rows by id and filters them by provider and bucket start', () =>
      withStore(async (s) => {
        const a = usage({ id: 'a' });
        const b = usage({ id: 'b', bucketStart: T0 + DAY, bucketEnd: T0 + 2 * DAY, model: null, apiKeyId: null, workspace: null });
        const c = usage({ id: 'c', provider: 'openai', kind: 'cost', detail: 'gpt-x, input', costNanos: 9_000_000_000_001, userId: 'user_1' });
        await s.upsertProviderUsage([]);
        await s.upsertProviderUsage([a, b, c]);
        expect(await s.providerUsage({})).toEqual([a, c, b].sort((x, y) => x.bucketStart - y.bucketStart || (x.id < y.id ? -1 : 1)));
        // A re-fetched bucket replaces the row; nothing is added.
        const a2 = { ...a, outputTokens: 77, importedAt: 2 };
        await s.upsertProviderUsage([a2]);
        expect(await s.providerUsage({ provider: 'anthropic' })).toEqual([a2, b]);
        expect(await s.providerUsage({ provider: 'anthropic', from: T0 + 1 })).toEqual([b]);
        expect(await s.providerUsage({ to: T0 + DAY })).toEqual([a2, c]);
      }));

    it('counts what an import really wrote: a call repeated in its input once, a call of an earlier import as already there', () =>
      withStore(async (s) => {
        const importRows = (rows: CallRow[]) =>
          importIntoLedger(s, async (writer) => {
            const summary = emptySummary('test');
            for (const r of rows) if (await writer.add(r)) countWritten(summary, r.costNanos, null);
            return summary;
          });
        const first = await importRows([call('x', T0), call('y', T0 + 1), { ...call('x', T0), costNanos: 1 }, call('y', T0 + 1)]);
        expect(first).toMatchObject({ written: 2, inserted: 2, repeated: 2, costNanos: 2 * 5_000_000_000_123 });
        // A call the gateway records meanwhile is not counted as the import's.
        await s.appendCalls([call('gw', T0 + 2)]);
        const second = await importRows([call('y', T0 + 1), call('z', T0 + 3), call('z', T0 + 3)]);
        expect(second).toMatchObject({ written: 2, inserted: 1, repeated: 1 });
        expect((await s.scanCalls({ limit: 10 })).map((r) => [r.id, r.costNanos])).toEqual([['x', 5_000_000_000_123], ['y', 5_000_000_000_123], ['gw', 5_000_000_000_123], ['z', 5_000_000_000_123]]);
      }));

    it('imports a provider report whose results repeat in the file as one row each, counted and costed once', () =>
      withStore(async (s) => {
        const dir = await mkdtemp(join(tmpdir(), 'tollgate-report-'));
        try {
          const pages = JSON.parse(await readFile(PLANTED, 'utf8')) as unknown[];
          const path = join(dir, 'twice.json');
          // Every page twice (a report fetched again and appended): one statement must not hold an id twice.
          await writeFile(path, JSON.stringify([...pages, ...pages]));
          const first = await importProviderReport(s, 'anthropic', path);
          expect(first).toMatchObject({ records: 36, written: 18, inserted: 18, repeated: 18, costNanos: 105_775_000 });
          expect(await s.providerUsage({ provider: 'anthropic' })).toHaveLength(18);
          expect(await importProviderReport(s, 'anthropic', path)).toMatchObject({ written: 18, inserted: 0, repeated: 18, costNanos: 105_775_000 });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));

    it('scans the ledger oldest first, by id within a millisecond, one page at a time', () =>
      withStore(async (s) => {
        const rows = [call('b', T0), call('a', T0), call('c', T0 + 5), call('d', T0 + DAY), call('e', T0 - 1)];
        await s.appendCalls(rows);
        const seen: string[] = [];
        let after: { startedAt: number; id: string } | undefined;
        for (;;) {
          const page = await s.scanCalls({ from: T0, to: T0 + DAY, limit: 2, ...(after ? { after } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((r) => r.id));
          const last = page[page.length - 1]!;
          after = { startedAt: last.startedAt, id: last.id };
        }
        expect(seen).toEqual(['a', 'b', 'c']);
        const all = await s.scanCalls({ limit: 10 });
        expect(all.map((r) => r.id)).toEqual(['e', 'a', 'b', 'c', 'd']);
        expect(all[1]).toEqual(rows[1]);
      }));
  });
}
