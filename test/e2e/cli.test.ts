/** The CLI as users run it: --help everywhere, keys, spend. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tollgate } from './process.js';

let dir: string;
let cfg: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-cli-'));
  cfg = join(dir, 'only-store.yaml');
  writeFileSync(cfg, `store: { kind: sqlite, path: "${join(dir, 'l.db')}" }\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tollgate CLI', () => {
  it('has --help on every command', async () => {
    for (const args of [[], ['start'], ['keys'], ['keys', 'create'], ['keys', 'list'], ['keys', 'revoke'], ['spend'], ['mock-provider']]) {
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
    expect(list.stdout).not.toContain(key!.split('_')[2]);
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

  it('refuses a named config that does not exist, clearly', async () => {
    await expect(tollgate(['keys', 'list', '-c', join(dir, 'missing.yaml')])).rejects.toThrow(/cannot read config/);
  });
});
