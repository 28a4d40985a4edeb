/** `tollgate spend` over a ledger: dimensions, a bucket and filters, as JSON and as a table. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tollgate } from './process.js';
import { SqliteStore } from '../../src/storage/sqlite/index.js';
import { generateLedger, GEN_START, reference } from '../contract/analytics.contract.js';

let dir: string;
let cfg: string;
const ledger = generateLedger(400, 11);
const from = new Date(GEN_START + 86_400_000).toISOString();
const to = new Date(GEN_START + 20 * 86_400_000).toISOString();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-spend-'));
  cfg = join(dir, 'tollgate.yaml');
  writeFileSync(cfg, `store: { kind: sqlite, path: "${join(dir, 'l.db')}" }\ntimezone: Europe/Berlin\n`);
  const store = new SqliteStore(join(dir, 'l.db'));
  await store.migrate();
  await store.appendCalls(ledger);
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate spend', () => {
  it('groups by team and week in the configured zone, filtered by model, as JSON', async () => {
    const out = JSON.parse((await tollgate(['spend', '-c', cfg, '--by', 'team,week', '--model', 'gpt-b', '--since', from, '--until', to, '--json'])).stdout) as {
      timezone: string;
      data: { team: string; week: string; calls: number; cost_nanos: number }[];
    };
    expect(out.timezone).toBe('Europe/Berlin');
    const want = reference(ledger, { groupBy: ['team'], bucket: 'week', timezone: 'Europe/Berlin', filters: { model: 'gpt-b' }, from: Date.parse(from), to: Date.parse(to) })
      .map((e) => ({ team: e.group['team'], week: e.bucket, calls: e.rows.length, cost_nanos: e.rows.reduce((s, r) => s + r.costNanos, 0) }));
    const key = (r: { team: unknown; week: unknown }): string => `${String(r.week)}|${String(r.team)}`;
    expect(out.data.map((r) => ({ team: r.team, week: r.week, calls: r.calls, cost_nanos: r.cost_nanos })).sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      want.sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it('prints a table with a total line, except by tag (a call with two tags is in two rows)', async () => {
    const { stdout } = await tollgate(['spend', '-c', cfg, '--by', 'user', '--bucket', 'month', '--team', 'ads', '--since', from, '--until', to]);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^user\s+month\s+calls\s+errors/);
    const rows = ledger.filter((r) => r.team === 'ads' && r.startedAt >= Date.parse(from) && r.startedAt < Date.parse(to));
    const total = rows.reduce((t, r) => t + r.costNanos, 0);
    expect(lines[lines.length - 1]).toMatch(new RegExp(`^total\\s+${rows.length}\\s.*${(total / 1e9).toFixed(6)}$`));
    expect(stdout).toContain('(none)');
    const byTag = (await tollgate(['spend', '-c', cfg, '--by', 'tag', '--team', 'ads', '--since', from, '--until', to])).stdout.trim().split('\n');
    expect(byTag[0]).toMatch(/^tag\s+calls/);
    expect(byTag.some((l) => /^total\s/.test(l))).toBe(false);
  });

  it('rejects an unknown dimension', async () => {
    await expect(tollgate(['spend', '-c', cfg, '--by', 'team,planet'])).rejects.toThrow();
  });
});
