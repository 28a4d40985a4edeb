/**
 * Server-sent events at the byte level: upstream chunks are split into whole events (blank-line
 * separated) without decoding them to strings, so a stream can be forwarded as the very bytes the
 * provider sent and only the few events that matter are parsed.
 */
const LF = 0x0a;
const CR = 0x0d;

export class SseSplitter {
  private rest: Buffer | null = null;

  /**
   * Whole events in `chunk` (plus what was left over), each a view into the input, in order and
   * back to back, and the bytes they span. An event ends at the first blank line, "\n\n" or
   * "\r\n\r\n" (CRLF framing is valid SSE too; some OpenAI-compatible servers use it).
   */
  push(chunk: Buffer): { events: Buffer[]; whole: Buffer } {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const events: Buffer[] = [];
    let start = 0;
    // Searching for one byte is far cheaper than for a two- or four-byte sequence; line feeds are
    // few (JSON data has none), and taking them in order finds the earliest blank line of either kind.
    let lf = buf.indexOf(LF, start);
    while (lf >= 0) {
      let end = -1;
      if (buf[lf + 1] === LF) end = lf + 2;
      else if (buf[lf + 1] === CR && buf[lf + 2] === LF && lf - 1 >= start && buf[lf - 1] === CR) end = lf + 3;
      if (end < 0) {
        lf = buf.indexOf(LF, lf + 1);
        continue;
      }
      events.push(buf.subarray(start, end));
      start = end;
      lf = buf.indexOf(LF, start);
    }
    this.rest = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    return { events, whole: buf.subarray(0, start) };
  }

  /** What never ended with a blank line. */
  flush(): Buffer | null {
    const r = this.rest;
    this.rest = null;
    return r;
  }
}

/** The JSON after "data:" in an event, parsed; undefined when it is not JSON. */
export function eventData(ev: Buffer): unknown {
  const at = ev.indexOf('data:');
  if (at < 0) return undefined;
  try {
    return JSON.parse(ev.toString('utf8', at + 5)) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether `needle` occurs in the event followed by a byte other than `"` (a non-empty JSON string value). */
export function hasNonEmpty(ev: Buffer, needle: Buffer): boolean {
  let at = ev.indexOf(needle);
  while (at >= 0) {
    if (ev[at + needle.length] !== 0x22) return true;
    at = ev.indexOf(needle, at + needle.length);
  }
  return false;
}

/**
 * Sets `bit` in `marks[i]` for each of `events` (back-to-back views spanning `whole`, as
 * SseSplitter.push returns them) in which `needle` occurs, followed by a byte other than `"` when
 * `nonEmpty` (as hasNonEmpty). One search over all of a chunk's events instead of one per event:
 * each search has a fixed cost far above scanning a few hundred bytes.
 */
export function markEvents(whole: Buffer, events: Buffer[], needle: Buffer, nonEmpty: boolean, marks: Uint8Array, bit: number): void {
  let at = whole.indexOf(needle);
  let i = 0;
  let end = events.length > 0 ? events[0]!.length : 0;
  while (at >= 0) {
    while (at >= end) end += events[++i]!.length;
    if (nonEmpty && whole[at + needle.length] === 0x22) {
      at = whole.indexOf(needle, at + needle.length);
      continue;
    }
    marks[i] = (marks[i] ?? 0) | bit;
    // This event is marked: go on from the next one.
    at = end < whole.length ? whole.indexOf(needle, end) : -1;
  }
}

/** `marks` zeroed for `n` events, or a larger array when it is too small (marks are reused from push to push). */
export function clearedMarks(marks: Uint8Array, n: number): Uint8Array {
  if (marks.length < n) return new Uint8Array(n * 2);
  marks.fill(0, 0, n);
  return marks;
}
