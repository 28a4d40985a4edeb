/** Claude Code transcripts: the web searches a call ran and the service tier that served it reach the ledger row and its price. */
import { describe, expect, it } from 'vitest';
import { parseTranscriptLine } from '../../../src/import/claude-code/transcript-line.js';
import { ImportPricer } from '../../../src/import/pricer.js';

const MODEL = 'claude-sonnet-4-20250514';
const line = (usage: Record<string, unknown>) => JSON.stringify({ timestamp: '2025-11-01T10:00:00Z', message: { id: 'msg_1', model: MODEL, usage } });

describe('Claude Code transcript lines', () => {
  it('read server_tool_use.web_search_requests and usage.service_tier', () => {
    const got = parseTranscriptLine(line({ input_tokens: 10, output_tokens: 5, server_tool_use: { web_search_requests: 2 }, service_tier: 'priority' }));
    expect(got).toMatchObject({ ok: true, line: { usage: { input: 10, output: 5, webSearches: 2 }, serviceTier: 'priority' } });
    const plain = parseTranscriptLine(line({ input_tokens: 10, output_tokens: 5 }));
    expect(plain).toMatchObject({ ok: true, line: { serviceTier: null } });
    expect(plain.ok && plain.line.usage.webSearches).toBeFalsy();
    expect(parseTranscriptLine(line({ input_tokens: 10, output_tokens: 5, server_tool_use: { web_search_requests: -1 } }))).toEqual({ ok: false, skip: 'bad_usage' });
  });

  it('price the searches on top of the tokens, at the tier that served the call', () => {
    const pricer = new ImportPricer();
    const rates = pricer.ratesOf('anthropic', MODEL)!;
    expect(rates.webSearchPerK).toBeGreaterThan(0);
    const parsed = parseTranscriptLine(line({ input_tokens: 1000, output_tokens: 100, server_tool_use: { web_search_requests: 2 } }));
    if (!parsed.ok) throw new Error('unreadable');
    const withSearches = pricer.cost('anthropic', MODEL, parsed.line.usage)!;
    const tokensOnly = pricer.cost('anthropic', MODEL, { ...parsed.line.usage, webSearches: 0 })!;
    // $ per 1,000 searches = 1,000,000 nano-dollars per search per $.
    expect(withSearches - tokensOnly).toBe(2 * rates.webSearchPerK! * 1_000_000);
    // A model the config prices per tier: the priority rates for a priority call.
    const models = { m: { provider: 'anthropic', price: { input_per_mtok: 3, output_per_mtok: 15, service_tiers: { priority: { input_per_mtok: 6, output_per_mtok: 30 } } } } };
    const tiered = new ImportPricer(models as unknown as ConstructorParameters<typeof ImportPricer>[0]);
    expect(tiered.cost('anthropic', 'm', parsed.line.usage, null)).toBe((1000 * 3 + 100 * 15) * 1000);
    expect(tiered.cost('anthropic', 'm', parsed.line.usage, 'priority')).toBe((1000 * 6 + 100 * 30) * 1000);
  });
});
