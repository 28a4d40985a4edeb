/**
 * Find the JSON object that follows `"key":` near the end of a response without parsing the whole
 * body: usage objects sit at the end of both providers' responses. Falls back to null when the shape
 * is unexpected, and the caller then parses the whole body.
 */
import { MAX_CALL_TOKENS } from '../pricing/usage.js';

const needles = new Map<string, Buffer>();

/** `"key"` as bytes, made once per key. */
function needleOf(key: string): Buffer {
  let needle = needles.get(key);
  if (!needle) needles.set(key, (needle = Buffer.from(`"${key}"`)));
  return needle;
}

export function lastObjectAfterKey(buf: Buffer, key: string): unknown {
  const needle = needleOf(key);
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

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** The longest string value topLevelString returns (service tier names are a few letters). */
const MAX_TOP_LEVEL_STRING = 64;

/**
 * The string value of `key` in a JSON body's top-level object, or null. Read backwards from the end
 * of the body, without parsing it: strings are skipped whole (a native search for their opening
 * quote), so the cost is the bytes that follow the key, and the key must be at depth one: a client's
 * `metadata`, a tool's schema or the model's tool arguments holding the same key are never taken for it.
 */
export function topLevelString(buf: Buffer, key: string): string | null {
  const needle = needleOf(key);
  let depth = 0;
  for (let i = buf.length - 1; i > 0; i--) {
    const c = buf[i];
    if (c === QUOTE) {
      // Outside a string every quote met going backwards closes one: find the quote that opens it.
      let start = buf.lastIndexOf(QUOTE, i - 1);
      while (start > 0 && escapedAt(buf, start)) start = buf.lastIndexOf(QUOTE, start - 1);
      if (start < 0) return null;
      if (depth === 1 && i + 1 - start === needle.length && buf.compare(needle, 0, needle.length, start, i + 1) === 0) {
        const value = stringValueAfter(buf, i + 1);
        if (value !== undefined) return value;
      }
      i = start;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth++;
    else if ((c === 0x7b /* { */ || c === 0x5b) /* [ */ && --depth <= 0) return null;
  }
  return null;
}

/** Whether the quote at `at` is escaped: an odd run of backslashes before it. */
function escapedAt(buf: Buffer, at: number): boolean {
  let n = 0;
  for (let j = at - 1; j >= 0 && buf[j] === BACKSLASH; j--) n++;
  return (n & 1) === 1;
}

/**
 * After a string ending at `from`: undefined when it is not a key (no colon follows), else the key's
 * value when it is a short string without escapes, null for any other value.
 */
function stringValueAfter(buf: Buffer, from: number): string | null | undefined {
  let i = skipSpace(buf, from);
  if (buf[i] !== 0x3a /* : */) return undefined;
  i = skipSpace(buf, i + 1);
  if (buf[i] !== QUOTE) return null;
  const start = i + 1;
  const limit = Math.min(buf.length, start + MAX_TOP_LEVEL_STRING + 1);
  for (let j = start; j < limit; j++) {
    if (buf[j] === QUOTE) return buf.toString('utf8', start, j);
    if (buf[j] === BACKSLASH) return null;
  }
  return null;
}

function skipSpace(buf: Buffer, from: number): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  return i;
}

/** A service tier name from a provider's answer: a short string, or null. */
export function tierName(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TOP_LEVEL_STRING ? v : null;
}

/** A provider error's `type`, `code` or `param`: a string of at most 200 characters, or null (relayed to the client). */
export function stringOrNull(v: unknown): string | null {
  return typeof v === 'string' && v.length <= 200 ? v : null;
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
