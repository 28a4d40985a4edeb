/** The CLI as users run it: --help everywhere, keys, spend. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tempConfig, tollgate } from './process.js';

// Each CLI run starts a process; on a loaded machine that takes seconds.
vi.setConfig({ testTimeout: 120_000 });
let dir: string;
let cfg: string;
beforeAll(() => {
  ({ dir, cfg } = tempConfig('tollgate-cli-', (dir) => [
    `store: { kind: sqlite, path: "${join(dir, 'l.db')}" }`,
    'providers:',
    '  openai: { kind: openai, base_url: "https://api.openai.com/v1", api_key: "x" }',
    'models:',
    '  a: { provider: openai }',
    '  b: { provider: openai }',
  ]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate CLI', () => {
  it('has --help on every command', async () => {
    for (const args of [[], ['start'], ['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['spend'], ['mock-provider'], ['budgets', 'set'], ['runs', 'list'], ['routes', 'test'], ['savings'], ['migrate'], ['demo']]) {
      const { stdout } = await tollgate([...args, '--help']);
      expect(stdout).toMatch(/Usage: tollgate/);
    }
  });

  it('creates, lists and revokes keys offline, never printing a stored secret', async () => {
    const created = await tollgate(['keys', 'create', '-c', cfg, '--team', 'platform', '--user', 'ada', '--models', 'a,b']);
    const key = /(tg_\w{12}_[\w-]+)/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const list = await tollgate(['keys', 'list', '-c', cfg, '--json']);
    const keys = JSON.parse(list.stdout) as { id: string; team: string; models: string[] }[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ team: 'platform', models: ['a', 'b'] });
    expect(list.stdout).not.toContain(key!.slice(16));
    expect(list.stdout).not.toContain('hash');
    await tollgate(['keys', 'revoke', '-c', cfg, keys[0]!.id]);
    const after = JSON.parse((await tollgate(['keys', 'list', '-c', cfg, '--json'])).stdout) as { revokedAt: number | null }[];
    expect(after[0]!.revokedAt).not.toBeNull();
    await expect(tollgate(['keys', 'revoke', '-c', cfg, 'nosuchkey'])).rejects.toThrow();
  });

  it('prints spend as a table or JSON', async () => {
    expect((await tollgate(['spend', '-c', cfg, '--by', 'team', '--since', '30d'])).stdout).toContain('No calls');
    const json = JSON.parse((await tollgate(['spend', '-c', cfg, '--json'])).stdout) as { data: unknown[] };
    expect(json.data).toEqual([]);
    await expect(tollgate(['spend', '-c', cfg, '--by', 'planet'])).rejects.toThrow();
  });

  it('dry-runs route rules: which rule matches and why', async () => {
    const cfg2 = join(dir, 'routes.yaml');
    writeFileSync(
      cfg2,
      [
        `store: { kind: sqlite, path: "${join(dir, 'r.db')}" }`,
        'providers:',
        '  openai:   { kind: openai, base_url: "https://api.openai.com/v1", api_key: "x" }',
        '  deepseek: { kind: openai, base_url: "https://api.deepseek.com/v1", api_key: "x" }',
        '  anthropic: { kind: anthropic, base_url: "https://api.anthropic.com", api_key: "x" }',
        'models:',
        '  claude-sonnet-4-5: { provider: anthropic }',
        '  deepseek-chat: { provider: deepseek, price: { input_per_mtok: 0.28, output_per_mtok: 0.42 } }',
        'routes:',
        '  - match: { model: smart }',
        '    serve: claude-sonnet-4-5',
        '  - match: { team: research, model: claude-sonnet-4-5 }',
        '    serve: deepseek-chat',
      ].join('\n'),
    );
    const out = (await tollgate(['routes', 'test', '-c', cfg2, '--model', 'claude-sonnet-4-5', '--team', 'research'])).stdout;
    expect(out).toMatch(/rule #2 matched on model=claude-sonnet-4-5, team=research: serve deepseek-chat/);
    const none = JSON.parse((await tollgate(['routes', 'test', '-c', cfg2, '--model', 'claude-sonnet-4-5', '--team', 'platform', '--json'])).stdout) as { rule: number | null; targets: string[] };
    expect(none).toMatchObject({ rule: null, targets: ['claude-sonnet-4-5'] });
    expect((await tollgate(['savings', '-c', cfg2])).stdout).toMatch(/Nothing routed/);
  });

  it('refuses a named config that does not exist, clearly', async () => {
    await expect(tollgate(['keys', 'list', '-c', join(dir, 'missing.yaml')])).rejects.toThrow(/cannot read config/);
  });
});
