/**
 * The pages of a provider report as saved from its API: one page (a JSON object), a JSON array of
 * pages, or one page per line (JSONL, what a paging loop appending responses writes). JSONL is
 * streamed page by page; a single JSON document is parsed whole (report pages are small: at most a few
 * hundred buckets each).
 */
import { open, readFile } from 'node:fs/promises';
import { emptyLineStats, matchingLines, type LineStats } from '../line-reader.js';

export async function* reportPages(path: string, stats: LineStats = emptyLineStats()): AsyncGenerator<unknown> {
  if (await isJsonl(path)) {
    let n = 0;
    for await (const line of matchingLines(path, Buffer.from('{'), stats)) {
      n++;
      yield parse(line, `${path}: page ${n}`);
    }
    return;
  }
  const text = await readFile(path, 'utf8');
  stats.bytes += Buffer.byteLength(text);
  stats.lines += text.split('\n').length;
  const doc = parse(text, path);
  if (Array.isArray(doc)) yield* doc;
  else yield doc;
}

/** JSONL when the first non-blank line is a complete JSON document on its own and more text follows. */
async function isJsonl(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const head = buf.subarray(0, bytesRead).toString('utf8').trimStart();
    const nl = head.indexOf('\n');
    if (nl === -1) return false;
    try {
      JSON.parse(head.slice(0, nl));
      return head.slice(nl).trim() !== '';
    } catch {
      return false;
    }
  } finally {
    await fh.close();
  }
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
}
