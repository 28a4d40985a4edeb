/**
 * The cache key: an exact match on the canonical request. Canonical means the parsed body without the
 * fields that change delivery or attribution but not the answer (`stream`, `stream_options`, `user`,
 * `metadata`), with object keys sorted at every depth; array order is kept because it is meaning
 * (messages, tools, stop sequences). Scope, API, endpoint and served model are hashed with the body,
 * and the scope also prefixes the key, so entries never cross tenants or models.
 */
import { createHash } from 'node:crypto';
import type { CacheApi } from './types.js';

export interface CacheKeyInput {
  api: CacheApi;
  endpoint: 'chat' | 'messages';
  /** The model that will serve the request (after routing), not only the one the client named. */
  model: string;
  /** The client's parsed request body; not mutated. */
  body: Record<string, unknown>;
  /** Who may share entries, e.g. "team:platform", "key:abc", "org". */
  scope: string;
}

/**
 * The endpoints whose answers are cached: chat and Messages. Not embeddings, and not the Responses API,
 * whose answer may depend on state kept by the provider (`previous_response_id`, stored conversations
 * and prompts) that the request's bytes do not show.
 */
export function isCacheable(endpoint: string): endpoint is CacheKeyInput['endpoint'] {
  return endpoint === 'chat' || endpoint === 'messages';
}

/** Top-level request fields that do not change the response content. */
const IGNORED = new Set(['stream', 'stream_options', 'user', 'metadata']);

/** `<scope>:<sha256 hex>`. */
export function cacheKey(input: CacheKeyInput): string {
  const head = JSON.stringify([input.scope, input.api, input.endpoint, input.model]);
  // The head is a JSON array, so the newline after it can never be confused with a body byte.
  const hash = createHash('sha256').update(head).update('\n').update(canonicalBody(input.body));
  return `${input.scope}:${hash.digest('hex')}`;
}

/** The body as canonical JSON: ignored fields dropped, keys sorted recursively. */
export function canonicalBody(body: Record<string, unknown>): string {
  const root: Record<string, unknown> = {};
  for (const k of Object.keys(body).sort()) if (!IGNORED.has(k)) root[k] = body[k];
  // The serialisation itself stays native; the replacer only reorders objects whose keys are not sorted
  // yet. (Integer-like keys always enumerate first, in numeric order: still one fixed order per object.)
  return JSON.stringify(root, sortKeys);
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = keys[i - 1]! <= keys[i]!;
  if (sorted) return value;
  const out: Record<string, unknown> = {};
  for (const k of keys.sort()) out[k] = o[k];
  return out;
}
