/**
 * Server-sent events at the byte level: upstream chunks are split into whole events ("\n\n"
 * separated) without decoding them to strings, so a stream can be forwarded as the very bytes the
 * provider sent and only the few events that matter are parsed.
 */
const LF2 = Buffer.from('\n\n');
/** CRLF framing is valid SSE too (some OpenAI-compatible servers use it). */
const CRLF2 = Buffer.from('\r\n\r\n');

export class SseSplitter {
  private rest: Buffer | null = null;

  /** Whole events in `chunk` (plus what was left over), each a view into the input, and the bytes they span. */
  push(chunk: Buffer): { events: Buffer[]; whole: Buffer } {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const events: Buffer[] = [];
    let start = 0;
    let crlf = buf.indexOf(CRLF2, start);
    for (;;) {
      const lf = buf.indexOf(LF2, start);
      if (crlf >= 0 && crlf < start) crlf = buf.indexOf(CRLF2, start);
      let end: number;
      let len: number;
      if (lf >= 0 && (crlf < 0 || lf < crlf)) [end, len] = [lf, 2];
      else if (crlf >= 0) [end, len] = [crlf, 4];
      else break;
      events.push(buf.subarray(start, end + len));
      start = end + len;
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
