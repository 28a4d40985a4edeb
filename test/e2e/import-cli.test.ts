/** The import, export and reconcile commands as users run them (built CLI, `npm run build` first). */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempConfig, tollgate } from './process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
// Each CLI run starts a process (and a SQLite worker); on a loaded machine that takes seconds.
vi.setConfig({ testTimeout: 180_000 });
let dir: string;
let cfg: string;
beforeAll(() => {
  ({ dir, cfg } = tempConfig('tollgate-import-cli-', (dir) => [
    `store: { kind: sqlite, path: "${join(dir, 'ledger.db')}" }`,
    'import:',
    '  claude_code: { team: eng, teams_by_project: { api: backend } }',
    'reconcile:',
    '  anthropic: { gateway_keys: [apikey_01Gateway], gateway_workspaces: [wrkspc_01Gateway] }',
  ]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate import / export / reconcile', () => {
  it('has --help on every new command', async () => {
    for (const args of [['import'], ['import', 'claude-code'], ['import', 'openai-usage'], ['import', 'anthropic-usage'], ['import', 'csv'], ['export', 'csv'], ['reconcile']]) {
      expect((await tollgate([...args, '--help'])).stdout).toMatch(/Usage: tollgate/);
    }
  });

  it('imports Claude Code transcripts once, attributes them from config, and exports them as CSV that imports back', async () => {
    const first = JSON.parse((await tollgate(['import', 'claude-code', '-c', cfg, '--json', join(FIXTURES, 'claude-code', 'traps')])).stdout) as { inserted: number; skipped: Record<string, number> };
    expect(first.inserted).toBe(10);
    expect(first.skipped['synthetic_model']).toBe(1);
    const again = JSON.parse((await tollgate(['import', 'claude-code', '-c', cfg, '--json', join(FIXTURES, 'claude-code', 'traps')])).stdout) as { inserted: number };
    expect(again.inserted).toBe(0);
    // Default directories come from CLAUDE_CONFIG_DIR.
    const viaEnv = await tollgate(['import', 'claude-code', '-c', cfg], { CLAUDE_CONFIG_DIR: join(FIXTURES, 'claude-code', 'parity') });
    expect(viaEnv.stdout).toMatch(/0 new/);
    // A folder with no transcripts: where Tollgate looked is said.
    const emptyDir = join(dir, 'empty-claude');
    mkdirSync(join(emptyDir, 'projects'), { recursive: true });
    const none = await tollgate(['import', 'claude-code', '-c', cfg, emptyDir]);
    expect(none.stderr).toContain(`no transcript (*.jsonl) found under ${emptyDir}`);
    const teams = JSON.parse((await tollgate(['spend', '-c', cfg, '--by', 'team', '--since', '2025-01-01', '--json'])).stdout) as { data: { group: string; calls: number }[] };
    expect(Object.fromEntries(teams.data.map((r) => [r.group, r.calls]))).toEqual({ eng: 7, backend: 3 }) // shop 5 + tools 2; api 3;

    const csv = join(dir, 'out.csv');
    await tollgate(['export', 'csv', '-c', cfg, '--out', csv]);
    expect(readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(11);
    const cfg2 = join(dir, 'other.yaml');
    writeFileSync(cfg2, `store: { kind: sqlite, path: "${join(dir, 'other.db')}" }\n`);
    expect((await tollgate(['import', 'csv', '-c', cfg2, csv])).stdout).toMatch(/10 new/);
    const a = (await tollgate(['export', 'csv', '-c', cfg])).stdout;
    const b = (await tollgate(['export', 'csv', '-c', cfg2])).stdout;
    expect(b).toBe(a);
  });

  it('imports a CSV without ids once, whatever the config prices its models at or --team says', async () => {
    const csv = join(dir, 'noid.csv');
    writeFileSync(csv, [
      'started_at,model,team,input_tokens,output_tokens',
      '2026-03-01T10:00:00Z,gpt-4o-mini,t1,1000,500',
      '2026-03-01T11:00:00Z,gpt-4o-mini,t1,2000,100',
      '2026-03-01T12:00:00Z,claude-haiku-4-5,,300,30',
      '',
    ].join('\n'));
    const config = (name: string, models: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, [`store: { kind: sqlite, path: "${join(dir, 'noid.db')}" }`, 'providers:', '  openai: { kind: openai, base_url: "http://127.0.0.1:9/v1", api_key: "x" }', '  anthropic: { kind: anthropic, base_url: "http://127.0.0.1:9", api_key: "x" }', 'models:', ...models, ''].join('\n'));
      return path;
    };
    const c1 = config('noid1.yaml', ['  gpt-4o-mini: { provider: openai }', '  claude-haiku-4-5: { provider: anthropic }']);
    // The same ledger, gpt-4o-mini now at an overridden price.
    const c2 = config('noid2.yaml', ['  gpt-4o-mini: { provider: openai, price: { input_per_mtok: 7, output_per_mtok: 9 } }', '  claude-haiku-4-5: { provider: anthropic }']);
    const importRun = async (cfgPath: string, ...extra: string[]) => JSON.parse((await tollgate(['import', 'csv', '-c', cfgPath, '--json', ...extra, csv])).stdout) as { inserted: number; written: number; costNanos: number; newCostNanos: number };
    const byTeam = async () => {
      const out = JSON.parse((await tollgate(['spend', '-c', c1, '--by', 'team', '--since', '2026-01-01', '--json'])).stdout) as { data: { group: string; calls: number }[] };
      return Object.fromEntries(out.data.map((r) => [r.group, r]));
    };
    const first = await importRun(c1, '--team', 'a');
    expect(first).toMatchObject({ written: 3, inserted: 3 });
    expect(first.newCostNanos).toBe(first.costNanos);
    const before = await byTeam();
    expect(Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v.calls]))).toEqual({ t1: 2, a: 1 });
    expect(await importRun(c2, '--team', 'a')).toMatchObject({ written: 3, inserted: 0, newCostNanos: 0 });
    // Nothing new: the summary does not present the rows' cost at the new prices as spend it added.
    expect((await tollgate(['import', 'csv', '-c', c2, '--team', 'a', csv])).stdout).toMatch(/at current prices, of it new to the ledger: \$0\.000000/);
    expect(await importRun(c1, '--team', 'b')).toMatchObject({ written: 3, inserted: 0 });
    expect(await byTeam()).toEqual(before);
  });

  it('reconciles a provider report file, and the imported report, exiting 2 on differences', async () => {
    const planted = join(FIXTURES, 'provider-usage', 'anthropic-planted.json');
    // The ledger holds only imported Claude Code history (not gateway traffic): all reported usage is unexplained.
    const err = (await tollgate(['reconcile', '--provider', 'anthropic', '-c', cfg, planted]).catch((e: { code: number; stdout: string }) => e)) as { code: number; stdout: string };
    expect(err.code).toBe(2);
    expect(err.stdout).toMatch(/key_outside_gateway/);
    expect(err.stdout).toMatch(/bypassed_gateway/);
    // Before any report is imported: nothing to compare is said as such, not as an agreement.
    const empty = await tollgate(['reconcile', '--provider', 'anthropic', '-c', cfg]);
    expect(empty.stdout).toMatch(/Nothing to compare: no provider usage in this window \(import it with `tollgate import anthropic-usage`/);
    expect(empty.stdout).not.toMatch(/No differences/);
    const imported = JSON.parse((await tollgate(['import', 'anthropic-usage', '-c', cfg, '--json', planted])).stdout) as { inserted: number };
    expect(imported.inserted).toBe(18);
    const jsonRun = (await tollgate(['reconcile', '--provider', 'anthropic', '-c', cfg, '--since', '2025-09-01', '--json']).catch((e: { code: number; stdout: string }) => e)) as { code?: number; stdout: string };
    // --json exits 2 on differences too, as the text report does.
    expect(jsonRun.code).toBe(2);
    const fromStore = JSON.parse(jsonRun.stdout) as { counts: Record<string, number> };
    expect(fromStore.counts).toEqual({ key_outside_gateway: 1, bypassed_gateway: 4, metering_error: 0, price_drift: 0 });
  });
});
