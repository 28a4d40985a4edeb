/**
 * Find the JSON object that follows `"key":` near the end of a response without parsing the whole
 * body: usage objects sit at the end of both providers' responses. Falls back to null when the shape
 * is unexpected, and the caller then parses the whole body.
 */
import { MAX_CALL_TOKENS } from '../pricing/usage.js';

const needles = new Map<string, Buffer>();

export function lastObjectAfterKey(buf: Buffer, key: string): unknown {
  let needle = needles.get(key);
  if (!needle) needles.set(key, (needle = Buffer.from(`"${key}"`)));
  let at = buf.lastIndexOf(needle);
  while (at > 0 && buf[at - 1] === 0x5c /* backslash: inside a string */) at = buf.lastIndexOf(needle, at - 1);
  if (at < 0) return null;
  let i = at + needle.length;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x3a || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  if (buf[i] !== 0x7b /* { */) return null;
  let depth = 0;
  let inString = false;
  for (let j = i; j < buf.length; j++) {
    const c = buf[j];
    if (inString) {
      if (c === 0x5c) j++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) {
      try {
        return JSON.parse(buf.toString('utf8', i, j + 1)) as unknown;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Split an SSE text buffer into complete events; returns [events, rest]. */
export function splitEvents(text: string): [string[], string] {
  const events: string[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n\n', start);
    if (end < 0) break;
    events.push(text.slice(start, end + 2));
    start = end + 2;
  }
  return [events, start === 0 ? text : text.slice(start)];
}

/** A token count from a provider's usage: a non-negative integer, at most MAX_CALL_TOKENS (pricing/usage.ts). */
export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(Math.floor(v), MAX_CALL_TOKENS) : 0;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
