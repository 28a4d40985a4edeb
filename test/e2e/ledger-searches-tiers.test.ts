/**
 * Each ledger row keeps the web searches the provider ran for the call and the service tier it says
 * served it (whether or not the model has tier prices), streamed or not; the admin API's call listing
 * and the CSV export show both.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportCsv } from '../../src/import/csv/export.js';
import { csvRecords } from '../../src/import/csv/csv-format.js';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s.close());

const byTime = <T extends { startedAt: number; id: string }>(rows: T[]): T[] => rows.sort((x, y) => x.startedAt - y.startedAt || (x.id < y.id ? -1 : 1));

describe('ledger: web searches and service tier per call', () => {
  it('records them for Anthropic and OpenAI calls, streamed and not', async () => {
    const key = await s.createKey({ team: 'tiers', unlimited: true });
    const claude = s.anthropic(key);
    const ask = (d: Record<string, unknown>) => ({ model: 'test-claude', max_tokens: 100, messages: [{ role: 'user' as const, content: directive({ prompt_tokens: 100, completion_tokens: 10, ...d }, 'Find it.') }] });
    await claude.messages.create(ask({ web_search_requests: 3, service_tier: 'priority' }));
    await claude.messages.stream(ask({ web_search_requests: 2, service_tier: 'standard' })).finalMessage();
    const gpt = s.openai(key);
    const chat = (tier: string) => ({ model: 'test-gpt', messages: [{ role: 'user' as const, content: directive({ prompt_tokens: 100, completion_tokens: 10, service_tier: tier }, 'Hi.') }] });
    await gpt.chat.completions.create(chat('flex'));
    const stream = await gpt.chat.completions.create({ ...chat('priority'), stream: true });
    for await (const chunk of stream) void chunk;
    const rows = byTime((await s.calls()).filter((r) => r.team === 'tiers'));
    expect(rows.map((r) => [r.endpoint, r.stream, r.webSearches, r.serviceTier])).toEqual([
      ['messages', false, 3, 'priority'],
      ['messages', true, 2, 'standard'],
      ['chat', false, 0, 'flex'],
      ['chat', true, 0, 'priority'],
    ]);
  });

  it('lists them in GET /admin/v1/calls and exports them as CSV columns', async () => {
    const res = await fetch(`${s.gw.url}/admin/v1/calls?team=tiers`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status).toBe(200);
    const data = ((await res.json()) as { data: { web_searches: number; service_tier: string | null; started_at: string }[] }).data;
    expect(data.map((c) => [c.web_searches, c.service_tier]).reverse()).toEqual([[3, 'priority'], [2, 'standard'], [0, 'flex'], [0, 'priority']]);

    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    await exportCsv(s.gw.deps.store, out, {});
    out.end();
    const records: string[][] = [];
    for await (const r of csvRecords((async function* () { yield text; })())) records.push(r);
    const [header, ...lines] = records;
    const col = (name: string): number => header!.indexOf(name);
    expect(col('web_searches')).toBeGreaterThan(-1);
    expect(col('service_tier')).toBeGreaterThan(-1);
    const tiers = lines.filter((l) => l[col('team')] === 'tiers').map((l) => [l[col('web_searches')], l[col('service_tier')]]);
    expect(tiers).toEqual([['3', 'priority'], ['2', 'standard'], ['0', 'flex'], ['0', 'priority']]);
  });
});
