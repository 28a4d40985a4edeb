/**
 * Usage logs and provider reports are read strictly: a number no call (or report row) can hold is a
 * skipped line or a clear error, never a ledger total carried past what integers hold exactly.
 */
import { describe, expect, it } from 'vitest';
import { parseTranscriptLine } from '../../../src/import/claude-code/transcript-line.js';
import { anthropicRows } from '../../../src/import/provider-usage/anthropic.js';
import { openaiRows } from '../../../src/import/provider-usage/openai.js';

const line = (usage: Record<string, unknown>) =>
  JSON.stringify({ timestamp: '2025-11-01T10:00:00Z', message: { id: 'msg_1', model: 'claude-sonnet-4-20250514', usage } });

const openaiPage = (bucket: Record<string, unknown>, result: Record<string, unknown>) => ({ data: [{ start_time: 1761955200, end_time: 1762041600, ...bucket, results: [result] }] });

describe('import bounds', () => {
  it('Claude Code: a token count past 100M, or not a whole number, makes the line unreadable', () => {
    expect(parseTranscriptLine(line({ input_tokens: 10, output_tokens: 5 }))).toMatchObject({ ok: true });
    expect(parseTranscriptLine(line({ input_tokens: 100_000_000, output_tokens: 5 }))).toMatchObject({ ok: true });
    for (const input_tokens of [1e30, 100_000_001, -1, 1.5]) {
      expect(parseTranscriptLine(line({ input_tokens, output_tokens: 5 }))).toEqual({ ok: false, skip: 'bad_usage' });
    }
  });

  it('Claude Code: a line starting with a byte-order mark is read', () => {
    expect(parseTranscriptLine('\ufeff' + line({ input_tokens: 10, output_tokens: 5 }))).toMatchObject({ ok: true });
  });

  it('OpenAI reports: a cost that is no number, an amount past 2^53 nanos, or a bucket time past what a date holds is a clear error', () => {
    const cost = (value: unknown) => [...openaiRows(openaiPage({}, { object: 'organization.costs.result', amount: { value, currency: 'usd' } }), 0)];
    expect(cost(1.25)[0]).toMatchObject({ row: { costNanos: 1_250_000_000 } });
    expect(() => cost('abc')).toThrow(/not an amount Tollgate can count exactly/);
    expect(() => cost(1e300)).toThrow(/not an amount/);
    expect(() => [...openaiRows(openaiPage({ start_time: 1e20 }, { input_tokens: 1 }), 0)]).toThrow(/start_time is not a time/);
    expect(() => [...openaiRows(openaiPage({}, { input_tokens: 1e30 }), 0)]).toThrow(/input_tokens is not a token count/);
  });

  it('Anthropic reports: an amount past 2^53 nanos or a bucket time that is no date is a clear error', () => {
    const page = (bucket: Record<string, unknown>, result: Record<string, unknown>) => ({ data: [{ starting_at: '2025-11-01T00:00:00Z', ending_at: '2025-11-02T00:00:00Z', ...bucket, results: [result] }] });
    expect([...anthropicRows(page({}, { amount: '250.5', currency: 'USD' }), 0)][0]).toMatchObject({ row: { costNanos: 2_505_000_000 } });
    expect(() => [...anthropicRows(page({}, { amount: '1' + '0'.repeat(30), currency: 'USD' }), 0)]).toThrow(/not an amount/);
    expect(() => [...anthropicRows(page({ starting_at: 'soon' }, { amount: '1', currency: 'USD' }), 0)]).toThrow(/starting_at is not a time/);
  });
});
