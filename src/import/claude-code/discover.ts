/** Where Claude Code keeps transcripts, and the transcript files under a directory. */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** CLAUDE_CONFIG_DIR (comma-separated) when set, else ~/.config/claude and ~/.claude, those that exist. */
export function defaultClaudeDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env['CLAUDE_CONFIG_DIR'];
  if (fromEnv && fromEnv.trim() !== '') {
    return fromEnv.split(',').map((d) => d.trim()).filter((d) => d !== '');
  }
  const home = env['HOME'] ?? homedir();
  return [join(home, '.config', 'claude'), join(home, '.claude')].filter((d) => existsSync(join(d, 'projects')));
}

/**
 * Every `*.jsonl` under `<dir>/projects` (or under `dir` itself when it has no projects/ folder, so a
 * projects folder can be named directly), recursively (subagent transcripts sit in session folders),
 * sorted so imports are deterministic.
 */
export async function transcriptFiles(dir: string): Promise<string[]> {
  const root = existsSync(join(dir, 'projects')) ? join(dir, 'projects') : dir;
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`not a directory: ${root}`);
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(p);
    }
  };
  await walk(resolve(root));
  return out;
}
