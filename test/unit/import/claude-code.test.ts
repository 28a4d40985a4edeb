/** Claude Code transcripts into the ledger: every trap of the format, idempotency, attribution. */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { importClaudeCode, type ClaudeCodeAttribution } from '../../../src/import/claude-code/import.js';
import { importIntoLedger } from '../../../src/import/ledger-writer.js';
import { formatSummary } from '../../../src/import/summary.js';
import { ImportPricer } from '../../../src/import/pricer.js';
import type { CallRow } from '../../../src/storage/types.js';
import { tempLedger } from './ledger.js';

const TRAPS = fileURLToPath(new URL('../../fixtures/claude-code/traps', import.meta.url));
const ATTR: ClaudeCodeAttribution = { team: 'eng', user: 'ana', project: null, projectFromCwd: true, teamsByProject: { api: 'backend' } };

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function importTraps(attribution = ATTR) {
  const ledger = await tempLedger();
  cleanup = ledger.done;
  const run = () => importIntoLedger(ledger.store, (writer) => importClaudeCode({ dirs: [TRAPS], attribution, pricer: new ImportPricer(), writer }));
  return { ledger, run };
}

const byUpstream = (rows: CallRow[]): Map<string | null, CallRow> => new Map(rows.map((r) => [r.upstreamRequestId, r]));

describe('import claude-code', () => {
  it('imports each API call once, with the fullest line of a streamed message', async () => {
    const { ledger, run } = await importTraps();
    const summary = await run();
    const rows = await ledger.all();
    // A1 A2 A3 A4 X1 B1 B2 C1 L1 with request ids, N1 without: 10 calls.
    expect(rows).toHaveLength(10);
    const r = byUpstream(rows);
    expect(r.get('req_A1')!.outputTokens).toBe(480); // lines with 1, 120, 480
    expect(r.get('req_B1')!.outputTokens).toBe(333);
    // No request id (third-party gateways): deduplicated on the message id alone, fullest kept.
    const n1 = rows.filter((x) => x.upstreamRequestId === null);
    expect(n1).toHaveLength(1);
    expect(n1[0]).toMatchObject({ outputTokens: 200, inputTokens: 7, cachedInputTokens: 500, cacheWrite5mTokens: 100 });
    // msg_B1 again in the resumed session: written, priced and counted once, not "already in the store".
    expect(summary).toMatchObject({ files: 5, written: 10, inserted: 10, repeated: 1 });
    expect(summary.costNanos).toBe(rows.reduce((n, x) => n + x.costNanos, 0));
    expect(formatSummary(summary)).toContain('written 10 row(s): 10 new, 0 already in the store; 1 record(s) repeated a row of this import (written once)');
    expect(summary.skipped).toMatchObject({ synthetic_model: 1, not_json: 1, bad_timestamp: 1, partial_stream_line: 9 });
  });

  it('splits cache writes into 5m and 1h, and counts an unsplit cache_creation_input_tokens as 5m', async () => {
    const { ledger, run } = await importTraps();
    await run();
    const r = byUpstream(await ledger.all());
    expect(r.get('req_A2')).toMatchObject({ inputTokens: 3, cachedInputTokens: 2000, cacheWrite5mTokens: 300, cacheWrite1hTokens: 1200, outputTokens: 260 });
    expect(r.get('req_B1')).toMatchObject({ cacheWrite5mTokens: 0, cacheWrite1hTokens: 400 });
    expect(r.get('req_A4')).toMatchObject({ cacheWrite5mTokens: 800, cacheWrite1hTokens: 0, cachedInputTokens: 30000 });
  });

  it('prices with the price book: 1h writes at their own rate, unknown models at $0 and reported', async () => {
    const { ledger, run } = await importTraps();
    const summary = await run();
    const r = byUpstream(await ledger.all());
    // Sonnet 4 $/Mtok: input 3, cache read 0.3, 5m write 3.75, 1h write 6, output 15 (by hand):
    // 3*3 + 2000*0.3 + 300*3.75 + 1200*6 + 260*15 = 12,834 micro-dollars.
    expect(r.get('req_A2')!.costNanos).toBe(12_834_000);
    // Opus 4.1: input 15, read 1.5, write 18.75, output 75: 8*15 + 30000*1.5 + 800*18.75 + 700*75 = 112,620.
    expect(r.get('req_A4')!.costNanos).toBe(112_620_000);
    expect(r.get('req_L1')).toMatchObject({ costNanos: 0, inputTokens: 100, outputTokens: 10 });
    expect(summary.unpriced).toEqual({ 'local-llama-70b': 1 });
  });

  it('maps session -> run and subagents (sidechains) -> another agent of the same run', async () => {
    const { ledger, run } = await importTraps();
    await run();
    const r = byUpstream(await ledger.all());
    expect(r.get('req_A1')).toMatchObject({ run: 'sess-a', agent: 'claude-code' });
    expect(r.get('req_A3')).toMatchObject({ run: 'sess-a', agent: 'subagent' });
    expect(r.get('req_X1')).toMatchObject({ run: 'sess-a', agent: 'subagent:x1' });
    expect(r.get('req_C1')).toMatchObject({ run: 'sess-c', agent: 'claude-code' });
  });

  it('attributes team, user and project from flags and config', async () => {
    const { ledger, run } = await importTraps();
    await run();
    const r = byUpstream(await ledger.all());
    expect(r.get('req_A1')).toMatchObject({ team: 'eng', user: 'ana', project: 'shop', provider: 'anthropic', keyId: 'import:claude-code' });
    expect(r.get('req_B2')).toMatchObject({ team: 'backend', project: 'api' }); // teams_by_project
    const fixed = await importTraps({ ...ATTR, project: 'mono', teamsByProject: {} });
    await fixed.run();
    expect(new Set((await fixed.ledger.all()).map((x) => `${x.team}/${x.project}`))).toEqual(new Set(['eng/mono']));
  });

  it('is idempotent: importing twice leaves the same ledger and reports nothing new', async () => {
    const { ledger, run } = await importTraps();
    await run();
    const first = await ledger.all();
    const again = await run();
    expect(again.inserted).toBe(0);
    expect(again).toMatchObject({ written: 10, repeated: 1 });
    expect(await ledger.all()).toEqual(first);
  });
});
