/**
 * Stream a file line by line in bounded memory, handing over only the lines that contain a needle.
 * Transcripts are mostly lines without usage (prompts, tool results, often large): they are found with a
 * byte search and never decoded or parsed. A line longer than `maxLineBytes` is dropped and counted, so
 * one pathological line cannot take the process's memory with it.
 */
import { createReadStream } from 'node:fs';

export interface LineStats {
  bytes: number;
  lines: number;
  /** Lines dropped for exceeding maxLineBytes. */
  tooLong: number;
}

export function emptyLineStats(): LineStats {
  return { bytes: 0, lines: 0, tooLong: 0 };
}

const NEWLINE = 10;

export async function* matchingLines(path: string, needle: Buffer, stats: LineStats, maxLineBytes = 64 * 1024 * 1024): AsyncGenerator<string> {
  // The start of a line that continues into the next chunk, as copied parts (a chunk is not retained).
  let parts: Buffer[] = [];
  let partBytes = 0;
  let skipping = false;
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    stats.bytes += chunk.length;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      stats.lines++;
      if (skipping) {
        skipping = false;
      } else {
        const line = parts.length === 0 ? chunk.subarray(start, nl) : Buffer.concat([...parts, chunk.subarray(start, nl)]);
        parts = [];
        partBytes = 0;
        if (line.indexOf(needle) !== -1) yield line.toString('utf8');
      }
      start = nl + 1;
    }
    if (start < chunk.length && !skipping) {
      partBytes += chunk.length - start;
      if (partBytes > maxLineBytes) {
        parts = [];
        partBytes = 0;
        skipping = true;
        stats.tooLong++;
      } else {
        parts.push(Buffer.from(chunk.subarray(start)));
      }
    }
  }
  if (parts.length > 0) {
    stats.lines++;
    const line = Buffer.concat(parts);
    if (line.indexOf(needle) !== -1) yield line.toString('utf8');
  }
}
