/**
 * Which run a call belongs to, in order of trust:
 *   header       x-tollgate-run, set by the client;
 *   traceparent  the W3C trace id, so every call of one traced agent run is one run;
 *   metadata     Anthropic-style metadata.user_id: Claude Code sends
 *                "user_<hash>_account_<uuid>_session_<uuid>" (the session is the run), other clients the
 *                whole user_id; a JSON user_id with a session_id is read too;
 *   fingerprint  a hash of (key id, system prompt, first user message): a plain agent loop resends its
 *                growing conversation, whose beginning stays the same, so all its calls are one run.
 * Works on OpenAI chat, Anthropic messages and OpenAI Responses bodies (instructions and input). This is
 * the run's id as the client gave it (bounded by run-id.ts, as attribution bounds the header, so the
 * guard, the ledger and run:* budgets see one id); a run is that id within the calling key's team
 * (pipeline/guard-run.ts), as two teams may send one id.
 */
import { createHash } from 'node:crypto';
import { requestMessages, requestSystem } from './call-view.js';
import { boundedId } from './run-id.js';

export type RunIdSource = 'header' | 'traceparent' | 'metadata' | 'fingerprint';

export interface RunIdentity {
  runId: string;
  source: RunIdSource;
}

export interface IdentityInput {
  /** Lower-case header names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  keyId: string;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function header(headers: IdentityInput['headers'], name: string): string | null {
  const v = headers[name];
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : null;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLAUDE_CODE_SESSION = /_session_([0-9a-f-]{8,})$/i;

/** The trace id of a valid traceparent (version ff and all-zero ids are invalid). */
export function traceIdOf(traceparent: string): string | null {
  const m = TRACEPARENT.exec(traceparent.toLowerCase());
  if (m === null || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return null;
  return m[2]!;
}

/** The session (or user) from metadata.user_id, or null. */
export function sessionOf(body: unknown): string | null {
  const metadata = isObject(body) ? body['metadata'] : undefined;
  const userId = isObject(metadata) ? metadata['user_id'] : undefined;
  if (typeof userId !== 'string' || userId.trim() === '') return null;
  const id = userId.trim();
  const session = CLAUDE_CODE_SESSION.exec(id);
  if (session !== null) return session[1]!;
  if (id.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(id);
      if (isObject(parsed) && typeof parsed['session_id'] === 'string' && parsed['session_id'] !== '') return parsed['session_id'];
    } catch {
      // Not JSON after all: the whole user_id is the run.
    }
  }
  return id;
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (isObject(p) && typeof p['text'] === 'string' ? p['text'] : '')).join('');
}

/** System prompt and first user message, in any API shape (Responses: instructions and the first input). */
export function conversationStart(body: unknown): { system: string; firstUser: string } {
  if (!isObject(body)) return { system: '', firstUser: '' };
  let system = textOf(requestSystem(body));
  let firstUser = '';
  for (const m of requestMessages(body)) {
    if (!isObject(m)) continue;
    if ((m['role'] === 'system' || m['role'] === 'developer') && firstUser === '') system += textOf(m['content']);
    else if (m['role'] === 'user') {
      firstUser = textOf(m['content']);
      break;
    }
  }
  return { system, firstUser };
}

export function fingerprintRunId(keyId: string, body: unknown): string {
  const { system, firstUser } = conversationStart(body);
  const hash = createHash('sha256').update(keyId).update('\0').update(system).update('\0').update(firstUser).digest('hex');
  return `fp_${hash.slice(0, 24)}`;
}

export function runIdentity(input: IdentityInput): RunIdentity {
  const explicit = header(input.headers, 'x-tollgate-run');
  if (explicit !== null) return { runId: boundedId(explicit), source: 'header' };
  const traceparent = header(input.headers, 'traceparent');
  const traceId = traceparent === null ? null : traceIdOf(traceparent);
  if (traceId !== null) return { runId: traceId, source: 'traceparent' };
  const session = sessionOf(input.body);
  if (session !== null) return { runId: boundedId(session), source: 'metadata' };
  return { runId: fingerprintRunId(input.keyId, input.body), source: 'fingerprint' };
}
