/**
 * Import in bounded memory: files are read a chunk at a time (never whole), lines are cut correctly
 * across chunks (multi-byte characters included), over-long lines are dropped, the window of open
 * messages is bounded, and a 100 MB single transcript imports under a 64 MB heap limit.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageWindow } from '../../../src/import/claude-code/message-window.js';
import type { UsageLine } from '../../../src/import/claude-code/transcript-line.js';
import { emptyLineStats, matchingLines } from '../../../src/import/line-reader.js';
// @ts-expect-error: plain ESM module without types, shared with the benchmark
import { generateTranscripts } from '../../../bench/lib/transcripts.mjs';

const CHILD = fileURLToPath(new URL('../../../bench/lib/import-child.mjs', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tollgate-stream-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('streamed import', () => {
  it('reads line by line: the first matching line arrives long before the file is read', async () => {
    const path = join(dir, 'big.jsonl');
    const line = `{"note":"${'é'.repeat(333)}x"}\n`; // multi-byte characters straddle chunk boundaries
    await writeFile(path, `{"usage":1}\n${line.repeat(40_000)}{"usage":2}\n`);
    const size = (await stat(path)).size;
    const stats = emptyLineStats();
    const seen: string[] = [];
    let intact = 0;
    for await (const text of matchingLines(path, Buffer.from('"note"'), stats)) if (text === line.slice(0, -1)) intact++;
    for await (const text of matchingLines(path, Buffer.from('"usage"'), emptyLineStats())) seen.push(text);
    expect(intact).toBe(40_000);
    expect(stats.lines).toBe(40_002);
    expect(seen).toEqual(['{"usage":1}', '{"usage":2}']);
    const s2 = emptyLineStats();
    for await (const _ of matchingLines(path, Buffer.from('"usage"'), s2)) {
      expect(s2.bytes).toBeLessThan(size / 10);
      break;
    }
  });

  it('drops and counts a line longer than the bound, keeping the lines around it', async () => {
    const path = join(dir, 'long.jsonl');
    await writeFile(path, `{"usage":"a"}\n{"usage":"${'x'.repeat(3_000_000)}"}\n{"usage":"b"}`);
    const stats = emptyLineStats();
    const got: string[] = [];
    for await (const t of matchingLines(path, Buffer.from('usage'), stats, 1_000_000)) got.push(t);
    expect(got).toEqual(['{"usage":"a"}', '{"usage":"b"}']);
    expect(stats).toMatchObject({ lines: 3, tooLong: 1 });
  });

  it('keeps at most `limit` messages open, evicting the oldest with its fullest line', () => {
    const line = (id: string, output: number): UsageLine => ({
      messageId: id, requestId: null, sessionId: 's', uuid: null, timestamp: output, model: 'm', isSidechain: false, agentId: null, cwd: null, serviceTier: null,
      usage: { input: 1, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output, reasoning: 0 },
    });
    const w = new MessageWindow(2);
    expect(w.add('A', line('A', 1))).toBeNull();
    expect(w.add('B', line('B', 1))).toBeNull();
    expect(w.add('A', line('A', 9))).toBeNull();
    const evicted = w.add('C', line('C', 3));
    expect(evicted?.key).toBe('A');
    expect(evicted?.best.usage.output).toBe(9);
    expect(evicted?.lines).toBe(2);
    expect(w.drain().map((m) => m.key)).toEqual(['B', 'C']);
    expect(w.merged).toBe(1);
  });

  it('imports a 100 MB single transcript with the heap capped at 64 MB', async () => {
    const claude = join(dir, 'claude');
    const generated = await generateTranscripts(claude, 100 * 1024 * 1024, { seed: 3, messagesPerSession: 1_000_000 });
    expect(generated.files).toBe(1);
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', CHILD, claude, join(dir, 'l.db')], { timeout: 240_000 });
    const out = JSON.parse(stdout) as { maxRssMB: number; summary: { inserted: number; files: number } };
    expect(out.summary.inserted).toBe(generated.messages);
    expect(out.maxRssMB).toBeLessThan(300);
  }, 300_000);
});
