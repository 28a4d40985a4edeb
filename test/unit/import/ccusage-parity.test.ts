/**
 * Parity with ccusage, the reference reader of Claude Code transcripts (run offline, bundled prices).
 * parity/ holds only what both tools read the same way: per day and model, token totals must be equal
 * and cost within 0.5%. Its models (Sonnet 4, Opus 4.1, Haiku 3.5) are priced identically by both
 * catalogues, 1h cache writes included, and no prompt reaches a long-context tier. traps/ adds a
 * message without requestId, which ccusage's daily report counts once per line (its session report
 * deduplicates it, as Tollgate does), so traps/ is compared with the session report's totals.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importClaudeCode } from '../../../src/import/claude-code/import.js';
import { importIntoLedger } from '../../../src/import/ledger-writer.js';
import { ImportPricer } from '../../../src/import/pricer.js';
import type { CallRow } from '../../../src/storage/types.js';
import { tempLedger } from './ledger.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/claude-code/', import.meta.url));
const CCUSAGE = fileURLToPath(new URL('../../../node_modules/.bin/ccusage', import.meta.url));
const run = promisify(execFile);

interface Tokens {
  inputTokens: number;
  outputTokens: number;
  cacheCreationTokens: number;
  cacheReadTokens: number;
}
interface Breakdown extends Tokens {
  modelName: string;
  cost: number;
}

let home: string;
beforeAll(async () => {
  // An empty HOME, so ccusage finds no other agent's logs on this machine.
  home = await mkdtemp(join(tmpdir(), 'tollgate-ccusage-home-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

async function ccusage(args: string[], dir: string): Promise<unknown> {
  const { stdout } = await run(CCUSAGE, [...args, '--json', '--offline', '--timezone', 'UTC'], {
    env: { PATH: process.env['PATH'], HOME: home, CLAUDE_CONFIG_DIR: dir, TZ: 'UTC' },
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

async function tollgateRows(dir: string): Promise<CallRow[]> {
  const ledger = await tempLedger();
  try {
    const attribution = { team: 't', user: null, project: null, projectFromCwd: true, teamsByProject: {} };
    await importIntoLedger(ledger.store, (writer) => importClaudeCode({ dirs: [dir], attribution, pricer: new ImportPricer(), writer }));
    return await ledger.all();
  } finally {
    await ledger.done();
  }
}

function sumTokens(rows: CallRow[]): Tokens & { costNanos: number } {
  const t = { inputTokens: 0, outputTokens: 0, cacheCreationTokens: 0, cacheReadTokens: 0, costNanos: 0 };
  for (const r of rows) {
    t.inputTokens += r.inputTokens;
    t.outputTokens += r.outputTokens + r.reasoningTokens;
    t.cacheCreationTokens += r.cacheWrite5mTokens + r.cacheWrite1hTokens;
    t.cacheReadTokens += r.cachedInputTokens;
    t.costNanos += r.costNanos;
  }
  return t;
}

describe('parity with ccusage 20.0.24', () => {
  it('per day and model: equal tokens, cost within 0.5%', async () => {
    const dir = join(FIXTURES, 'parity');
    const report = (await ccusage(['daily'], dir)) as { daily: { period: string; modelBreakdowns: Breakdown[] }[] };
    const rows = await tollgateRows(dir);
    const ours = new Map<string, CallRow[]>();
    for (const r of rows) {
      const k = `${new Date(r.startedAt).toISOString().slice(0, 10)} ${r.servedModel}`;
      ours.set(k, [...(ours.get(k) ?? []), r]);
    }
    const theirs = report.daily.flatMap((d) => d.modelBreakdowns.map((b) => ({ key: `${d.period} ${b.modelName}`, b })));
    expect(new Set(theirs.map((t) => t.key))).toEqual(new Set(ours.keys()));
    expect(theirs.length).toBeGreaterThanOrEqual(6);
    for (const { key, b } of theirs) {
      const mine = sumTokens(ours.get(key)!);
      expect({ key, ...pickTokens(mine) }).toEqual({ key, ...pickTokens(b) });
      expect(b.cost).toBeGreaterThan(0);
      expect(Math.abs(mine.costNanos / 1e9 - b.cost) / b.cost).toBeLessThan(0.005);
    }
  });

  it('whole corpus with the traps: totals equal to ccusage session report', async () => {
    const dir = join(FIXTURES, 'traps');
    const report = (await ccusage(['claude', 'session'], dir)) as { totals: Tokens & { totalCost: number } };
    const mine = sumTokens(await tollgateRows(dir));
    expect(pickTokens(mine)).toEqual(pickTokens(report.totals));
    expect(Math.abs(mine.costNanos / 1e9 - report.totals.totalCost) / report.totals.totalCost).toBeLessThan(0.005);
  });
});

function pickTokens(t: Tokens): Tokens {
  return { inputTokens: t.inputTokens, outputTokens: t.outputTokens, cacheCreationTokens: t.cacheCreationTokens, cacheReadTokens: t.cacheReadTokens };
}
