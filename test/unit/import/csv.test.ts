/** CSV: Tollgate's export read back by its import gives the same ledger; hand-written CSV with few columns. */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { csvRecords } from '../../../src/import/csv/csv-format.js';
import { exportCsv } from '../../../src/import/csv/export.js';
import { importCsv } from '../../../src/import/csv/import.js';
import { importIntoLedger } from '../../../src/import/ledger-writer.js';
import { ImportPricer } from '../../../src/import/pricer.js';
import { formatSummary } from '../../../src/import/summary.js';
import type { CallRow } from '../../../src/storage/types.js';
import { tempLedger } from './ledger.js';

const T = Date.UTC(2025, 10, 3, 12, 0, 0, 7);
const base: CallRow = {
  id: 'call_1', startedAt: T, firstByteAt: T + 40, endedAt: T + 900, keyId: 'k1', team: 'platform', user: 'ana', project: 'p', run: 'r1', agent: 'planner',
  parent: null, tags: 'batch,nightly', endpoint: 'chat', stream: true, provider: 'openai', requestedModel: 'gpt-4o', servedModel: 'gpt-4o-mini',
  inputTokens: 10, cachedInputTokens: 20, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 30, reasoningTokens: 5, costNanos: 5_000_000_000_123,
  estimated: true, status: 'ok', httpStatus: 200, errorCode: null, upstreamRequestId: 'req_1', attemptOf: null, route: 'rule:cheap', cacheHit: false, savedNanos: 42, requestHash: '00ff00ff00ff00ff00ff00ff00ff00ff', webSearches: 3, serviceTier: 'priority',
};
const ROWS: CallRow[] = [
  base,
  { ...base, id: 'call_2', startedAt: T + 1, firstByteAt: null, user: null, project: null, run: null, agent: null, tags: null, stream: false, endpoint: 'messages',
    provider: 'anthropic', servedModel: 'claude-x', requestedModel: null, cacheWrite5mTokens: 7, cacheWrite1hTokens: 9, costNanos: 0, estimated: false,
    status: 'error', httpStatus: 502, errorCode: 'upstream "error", retried\nonce', upstreamRequestId: null, attemptOf: 'call_1', route: null, cacheHit: true, savedNanos: -3, requestHash: null },
  { ...base, id: 'call_3', startedAt: T - 86_400_000, team: 'search, eu', agent: 'a"b', endpoint: 'embeddings', provider: null },
  // Refused before a model was read (a body that is not JSON): no model, no provider, no tokens.
  { ...base, id: 'call_4', startedAt: T + 2, firstByteAt: null, endedAt: T + 3, run: null, agent: null, tags: null, stream: false, provider: null, requestedModel: null,
    servedModel: null, inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0, costNanos: 0, estimated: false, status: 'error', httpStatus: 400,
    errorCode: 'invalid_json', upstreamRequestId: null, route: null, savedNanos: 0, requestHash: null },
];

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});
async function ledger() {
  const l = await tempLedger();
  cleanup.push(l.done);
  return l;
}
const importFile = (store: Awaited<ReturnType<typeof ledger>>['store'], path: string) =>
  importIntoLedger(store, (writer) => importCsv({ path, writer, pricer: new ImportPricer(), defaults: { team: 'dflt', keyId: 'import:csv' } }));

describe('CSV export and import', () => {
  it('prices rows of a file without a provider column by the provider the config serves the model from', async () => {
    const l = await ledger();
    const path = join(l.dir, 'noprov.csv');
    await writeFile(path, ['started_at,model,input_tokens,output_tokens', '2025-11-01T10:00:00Z,sonnet,1000,100', '2025-11-01T10:00:01Z,unknown-model,1,1', ''].join('\n'));
    const pricer = new ImportPricer(
      { sonnet: { provider: 'anthropic-main', upstream_model: 'claude-sonnet-4-20250514' } } as never,
      { 'anthropic-main': { kind: 'anthropic' } } as never,
    );
    const s = await importIntoLedger(l.store, (writer) => importCsv({ path, writer, pricer, defaults: { team: 'dflt', keyId: 'import:csv' } }));
    expect(s).toMatchObject({ written: 2, unpriced: { 'unknown-model': 1 } });
    const rows = await l.all();
    // 1000 * $3 + 100 * $15 per Mtok = 4500 micro-dollars, from the catalogue under the configured provider's kind.
    expect(rows.find((r) => r.servedModel === 'sonnet')).toMatchObject({ provider: 'anthropic-main', costNanos: 4_500_000 });
    expect(rows.find((r) => r.servedModel === 'unknown-model')).toMatchObject({ provider: null, costNanos: 0 });
  });

  it('round-trips the ledger exactly, and importing the export twice adds nothing', async () => {
    const a = await ledger();
    await a.store.appendCalls(ROWS);
    const path = join(a.dir, 'ledger.csv');
    const out = createWriteStream(path);
    expect(await exportCsv(a.store, out, {})).toBe(4);
    out.end();
    await finished(out);
    const b = await ledger();
    const s1 = await importFile(b.store, path);
    expect(s1).toMatchObject({ records: 4, written: 4, inserted: 4, skipped: {} });
    expect(await b.all()).toEqual(await a.all());
    const s2 = await importFile(b.store, path);
    expect(s2).toMatchObject({ written: 4, inserted: 0 });
  });

  it('neutralises text cells a spreadsheet would run as formulas, keeps numbers as numbers, and reads both back exactly', async () => {
    const a = await ledger();
    const hostile: CallRow = {
      ...base, id: 'call_f', team: '=HYPERLINK("http://x","y")', user: '+1+2', project: '-2+3', run: '@SUM(A1)', agent: '\tcmd',
      tags: '\r=x', requestedModel: "'=already", servedModel: "''+twice", errorCode: '=err,with comma', upstreamRequestId: "'plain",
      route: 'a=b', savedNanos: -42,
    };
    await a.store.appendCalls([hostile]);
    const path = join(a.dir, 'hostile.csv');
    const out = createWriteStream(path);
    await exportCsv(a.store, out, {});
    out.end();
    await finished(out);
    const text = await readFile(path, 'utf8');
    const records: string[][] = [];
    async function* once() {
      yield text;
    }
    for await (const r of csvRecords(once())) records.push(r);
    const [header, row] = records as [string[], string[]];
    const cell = (name: string): string => row[header.indexOf(name)]!;
    expect(cell('team')).toBe('\'=HYPERLINK("http://x","y")');
    expect(cell('user')).toBe("'+1+2");
    expect(cell('project')).toBe("'-2+3");
    expect(cell('run')).toBe("'@SUM(A1)");
    expect(cell('agent')).toBe("'\tcmd");
    expect(cell('tags')).toBe("'\r=x");
    expect(cell('requested_model')).toBe("''=already");
    expect(cell('served_model')).toBe("'''+twice");
    expect(cell('error_code')).toBe("'=err,with comma");
    // Not formulas: as they are.
    expect(cell('upstream_request_id')).toBe("'plain");
    expect(cell('route')).toBe('a=b');
    // A negative number in a numeric column stays a number.
    expect(cell('saved_nanos')).toBe('-42');
    // Every neutralised cell is a quoted field with the quote inside it.
    expect(text).toContain(`,"'+1+2",`);
    const b = await ledger();
    expect(await importFile(b.store, path)).toMatchObject({ inserted: 1, skipped: {} });
    expect(await b.all()).toEqual(await a.all());
  });

  it('counts a row repeated in the file once: written, priced and summed once, not "already in the store"', async () => {
    const l = await ledger();
    const path = join(l.dir, 'repeat.csv');
    await writeFile(path, [
      'id,started_at,model,provider,input_tokens,output_tokens,cost_nanos',
      'a,2025-11-01T10:00:00Z,m,anthropic,1,1,100',
      'b,2025-11-01T10:00:01Z,unknown-model,,1,1,',
      'a,2025-11-01T10:00:00Z,m,anthropic,1,1,100',
      'b,2025-11-01T10:00:01Z,unknown-model,,1,1,',
      '',
    ].join('\n'));
    const s = await importFile(l.store, path);
    expect(s).toMatchObject({ records: 4, written: 2, inserted: 2, repeated: 2, costNanos: 100, unpriced: { 'unknown-model': 1 } });
    expect(formatSummary(s)).toContain('written 2 row(s): 2 new, 0 already in the store; 2 record(s) repeated a row of this import (written once)');
    expect(await importFile(l.store, path)).toMatchObject({ written: 2, inserted: 0, repeated: 2 });
    expect(await l.all()).toHaveLength(2);
  });

  it('gives a row without an id the same id from the file alone: a price change, another provider or --team/--key adds nothing', async () => {
    const l = await ledger();
    const path = join(l.dir, 'noid.csv');
    const lines = [
      'started_at,model,input_tokens,output_tokens,team,note',
      '2025-11-01T10:00:00Z,gpt-4o-mini,1000,500,t1,',
      '2025-11-01T11:00:00Z,gpt-4o-mini,2000,100,t1,',
      '2025-11-01T12:00:00Z,claude-haiku-4-5,300,30,,',
      // The same call twice: one row, as a repeated id is (the rest counted as repeated).
      '2025-11-01T13:00:00Z,gpt-4o-mini,1,1,t1,',
      '2025-11-01T13:00:00Z,gpt-4o-mini,1,1,t1,',
      // Differs only in a column the import ignores: another call.
      '2025-11-01T13:00:00Z,gpt-4o-mini,1,1,t1,second',
    ];
    await writeFile(path, [...lines, ''].join('\n'));
    const run = (pricer: ImportPricer, team: string, keyId: string) => importIntoLedger(l.store, (writer) => importCsv({ path, writer, pricer, defaults: { team, keyId } }));
    const first = await run(new ImportPricer(), 'dflt', 'import:csv');
    expect(first).toMatchObject({ records: 6, written: 5, inserted: 5, repeated: 1, skipped: {} });
    const before = await l.all();
    const total = before.reduce((sum, r) => sum + r.costNanos, 0);
    expect(total).toBeGreaterThan(0);
    // The config now overrides the price, serves the model from a named provider, and the defaults differ.
    const repriced = new ImportPricer(
      { 'gpt-4o-mini': { provider: 'openai-eu', price: { input_per_mtok: 100, output_per_mtok: 200 } }, 'claude-haiku-4-5': { provider: 'anthropic-main' } } as never,
      { 'openai-eu': { kind: 'openai' }, 'anthropic-main': { kind: 'anthropic' } } as never,
    );
    expect(await run(repriced, 'other-team', 'import:other')).toMatchObject({ written: 5, inserted: 0 });
    expect(await run(new ImportPricer(), 'third-team', 'import:csv')).toMatchObject({ inserted: 0 });
    // The same records with the columns in another order and CRLF line ends: the same ids.
    const reordered = join(l.dir, 'reordered.csv');
    await writeFile(reordered, [...lines.map((line) => { const c = line.split(','); return [c[5], c[4], c[3], c[2], c[1], c[0]].join(','); }), ''].join('\r\n'));
    expect(await importFile(l.store, reordered)).toMatchObject({ written: 5, inserted: 0 });
    const after = await l.all();
    expect(after).toEqual(before);
    expect(after.reduce((sum, r) => sum + r.costNanos, 0)).toBe(total);
    expect(after.filter((r) => r.team === 't1')).toHaveLength(4);
  });

  it('imports a hand-written CSV with only the essential columns, pricing rows without a cost', async () => {
    const l = await ledger();
    const path = join(l.dir, 'mine.csv');
    await writeFile(path, [
      'started_at,model,provider,input_tokens,output_tokens,team',
      '2025-11-01T10:00:00Z,claude-sonnet-4-20250514,anthropic,1000,100,',
      '2025-11-01T11:00:00Z,claude-sonnet-4-20250514,anthropic,lots,100,x', // bad token count
      ',claude-sonnet-4-20250514,anthropic,1,1,x', // no time
      '1761991200000,local-model,,5,5,ml',
      '',
    ].join('\r\n'));
    const s = await importFile(l.store, path);
    expect(s).toMatchObject({ records: 4, written: 2, inserted: 2, skipped: { bad_input_tokens: 1, no_started_at: 1 }, unpriced: { 'local-model': 1 } });
    const rows = await l.all();
    const sonnet = rows.find((r) => r.servedModel === 'claude-sonnet-4-20250514')!;
    // 1000 * $3 + 100 * $15 per Mtok = 4500 micro-dollars.
    expect(sonnet).toMatchObject({ costNanos: 4_500_000, team: 'dflt', keyId: 'import:csv', startedAt: Date.UTC(2025, 10, 1, 10), endpoint: 'chat' });
    expect(rows.find((r) => r.servedModel === 'local-model')).toMatchObject({ team: 'ml', costNanos: 0, startedAt: 1761991200000 });
    expect((await importFile(l.store, path)).inserted).toBe(0);
  });

  it('skips rows with amounts no call can have: negative, fractional or absurd tokens and costs', async () => {
    const l = await ledger();
    const path = join(l.dir, 'absurd.csv');
    await writeFile(path, [
      'started_at,model,provider,input_tokens,output_tokens,cost_usd,team',
      '2025-11-01T10:00:00Z,m,anthropic,-5,1,0.01,t',
      '2025-11-01T10:00:01Z,m,anthropic,1e30,1,0.01,t',
      '2025-11-01T10:00:02Z,m,anthropic,99999999999999999999,1,0.01,t',
      '2025-11-01T10:00:03Z,m,anthropic,1,1,-3,t',
      '2025-11-01T10:00:04Z,m,anthropic,1,1,1e20,t',
      '2025-11-01T10:00:05Z,m,anthropic,100000000,1,0.01,t',
      '',
    ].join('\n'));
    const s = await importFile(l.store, path);
    expect(s).toMatchObject({ records: 6, inserted: 1, skipped: { bad_input_tokens: 3, bad_cost_usd: 2 } });
    expect((await l.all()).map((r) => r.inputTokens)).toEqual([100_000_000]);
  });

  it('prices a catalogue model by its name when the file names no provider and the config serves it from none', async () => {
    const l = await ledger();
    const path = join(l.dir, 'noprovider.csv');
    await writeFile(path, ['started_at,model,input_tokens,output_tokens', '2025-11-01T10:00:00Z,claude-sonnet-4-20250514,1000,100', '2025-11-01T10:00:01Z,local-model,5,5', ''].join('\n'));
    expect(await importFile(l.store, path)).toMatchObject({ inserted: 2, unpriced: { 'local-model': 1 } });
    // 1000 * $3 + 100 * $15 per Mtok.
    expect((await l.all()).find((r) => r.servedModel === 'claude-sonnet-4-20250514')!.costNanos).toBe(4_500_000);
  });

  it('reads a time without an offset as UTC, whatever the machine timezone', async () => {
    const l = await ledger();
    const path = join(l.dir, 'notz.csv');
    await writeFile(path, ['started_at,model,provider,input_tokens,output_tokens,cost_usd', '2025-09-05T10:00:00,m,anthropic,1,1,0.01', 'yesterday,m,anthropic,1,1,0.01', '1969-12-31T23:30:00Z,m,anthropic,1,1,0.01', '9999-06-01T00:00:00Z,m,anthropic,1,1,0.01', ''].join('\n'));
    const tz = process.env['TZ'];
    process.env['TZ'] = 'America/New_York';
    try {
      // Calls before 1970 or after 2100 are no times a ledger holds.
      expect(await importFile(l.store, path)).toMatchObject({ inserted: 1, skipped: { bad_started_at: 3 } });
    } finally {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    }
    expect((await l.all())[0]!.startedAt).toBe(Date.UTC(2025, 8, 5, 10));
  });

  it('parses quoted fields across chunk boundaries', async () => {
    async function* chunks() {
      yield 'a,"b ""x"", y",c\r\n1,"line\n';
      yield 'two",3\n"",,\n';
    }
    const out: string[][] = [];
    for await (const r of csvRecords(chunks())) out.push(r);
    expect(out).toEqual([['a', 'b "x", y', 'c'], ['1', 'line\ntwo', '3'], ['', '', '']]);
  });
});
