/** Where transcripts are looked for: CLAUDE_CONFIG_DIR (comma-separated), else the two default homes. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultClaudeDirs, transcriptFiles } from '../../../src/import/claude-code/discover.js';

const home = mkdtempSync(join(tmpdir(), 'tollgate-home-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('Claude Code directories', () => {
  it('takes CLAUDE_CONFIG_DIR as a comma-separated list', () => {
    expect(defaultClaudeDirs({ CLAUDE_CONFIG_DIR: ' /a ,/b,', HOME: home })).toEqual(['/a', '/b']);
  });

  it('falls back to ~/.config/claude and ~/.claude, those with a projects folder', () => {
    expect(defaultClaudeDirs({ HOME: home })).toEqual([]);
    mkdirSync(join(home, '.claude', 'projects'), { recursive: true });
    expect(defaultClaudeDirs({ HOME: home })).toEqual([join(home, '.claude')]);
    mkdirSync(join(home, '.config', 'claude', 'projects'), { recursive: true });
    expect(defaultClaudeDirs({ HOME: home })).toEqual([join(home, '.config', 'claude'), join(home, '.claude')]);
  });

  it('finds transcripts recursively (subagent files too), in a stable order, from the config dir or its projects dir', async () => {
    const fixtures = new URL('../../fixtures/claude-code/parity', import.meta.url).pathname;
    const files = (await transcriptFiles(fixtures)).map((f) => f.slice(fixtures.length));
    expect(files).toEqual([
      // Names in byte order within each folder: "sess-a" (the session's folder) before "sess-a.jsonl".
      '/projects/-home-ana-shop/sess-a/subagents/agent-x1.jsonl',
      '/projects/-home-ana-shop/sess-a.jsonl',
      '/projects/-home-bo-api/sess-b.jsonl',
      '/projects/-home-bo-api/sess-c.jsonl',
    ]);
    expect(await transcriptFiles(join(fixtures, 'projects'))).toHaveLength(4);
    await expect(transcriptFiles(join(home, 'nope'))).rejects.toThrow(/not a directory/);
  });
});
