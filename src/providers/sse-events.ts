/**
 * Server-sent events at the byte level: upstream chunks are split into whole events ("\n\n"
 * separated) without decoding them to strings, so a stream can be forwarded as the very bytes the
 * provider sent and only the few events that matter are parsed.
 */
const SEP = Buffer.from('\n\n');

export class SseSplitter {
  private rest: Buffer | null = null;

  /** Whole events in `chunk` (plus what was left over), each a view into the input, and the bytes they span. */
  push(chunk: Buffer): { events: Buffer[]; whole: Buffer } {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const events: Buffer[] = [];
    let start = 0;
    for (;;) {
      const end = buf.indexOf(SEP, start);
      if (end < 0) break;
      events.push(buf.subarray(start, end + 2));
      start = end + 2;
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
