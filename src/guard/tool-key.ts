/**
 * Canonical tool calls: the same tool with the same arguments gives the same key however the JSON was
 * written (key order, whitespace) and whatever fresh ids it carries (request ids, nonces, uuids,
 * timestamps), as coding agents compare "identical" tool calls.
 */
import { fnvString } from './text.js';

export interface ToolCall {
  name: string;
  arguments: string;
}

/** Argument keys that carry per-call noise, not meaning. */
const NOISE_KEYS = new Set(['id', 'request_id', 'call_id', 'tool_call_id', 'idempotency_key', 'nonce', 'timestamp', 'trace_id']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
/** Long tokens mixing letters and digits, like "req_8f3k2LmQ9x1z..." or a hex digest. */
const GENERATED_ID = /^(?=.*\d)(?=.*[a-z])[\w-]{20,}$/i;

function canonicalValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') {
    return UUID.test(value) || TIMESTAMP.test(value) || GENERATED_ID.test(value) ? '#' : value;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => canonicalValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (NOISE_KEYS.has(key.toLowerCase())) continue;
    out[key] = canonicalValue((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

/** The arguments as canonical JSON (sorted keys, noise removed); unparsable arguments as written, trimmed. */
export function canonicalArguments(args: string): string {
  try {
    return JSON.stringify(canonicalValue(JSON.parse(args), 0));
  } catch {
    return args.trim();
  }
}

/** "name(canonical args)" for one call. */
export function canonicalToolCall(call: ToolCall): string {
  return `${call.name}(${canonicalArguments(call.arguments)})`;
}

/**
 * A short key for the set of tool calls one response made (order-insensitive), or null when it made
 * none. 16 hex characters: two differently seeded 32-bit hashes.
 */
export function toolCallsKey(calls: readonly ToolCall[]): string | null {
  if (calls.length === 0) return null;
  const text = calls.map(canonicalToolCall).sort().join('\n');
  const a = fnvString(text);
  const b = fnvString(`${text.length}:${text}`);
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}
