/**
 * One line of a Claude Code transcript (`projects/<encoded-cwd>/<session>.jsonl`) read into what the
 * ledger needs. Only assistant lines carrying `message.usage` are API calls; everything else is skipped
 * with a reason. Fields are read defensively from `unknown`: transcripts come from many client versions.
 */
import { MAX_CALL_TOKENS, type TokenUsage } from '../../pricing/usage.js';
import { isLedgerTime } from '../../analytics/spend-report.js';

export interface UsageLine {
  messageId: string | null;
  requestId: string | null;
  sessionId: string | null;
  /** The line's own id, the identity of last resort for a message without an id. */
  uuid: string | null;
  timestamp: number;
  model: string;
  isSidechain: boolean;
  agentId: string | null;
  cwd: string | null;
  usage: TokenUsage;
  /** `usage.service_tier` (standard, priority, batch), when the client recorded it. */
  serviceTier: string | null;
}

export type LineSkip = 'not_json' | 'no_usage' | 'synthetic_model' | 'no_model' | 'bad_timestamp' | 'bad_usage';
export type ParsedLine = { ok: true; line: UsageLine } | { ok: false; skip: LineSkip };

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
/** A token count: an integer from 0 to MAX_CALL_TOKENS, or absent (0). Anything else makes the usage unreadable. */
function count(v: unknown): number | null {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_CALL_TOKENS ? v : null;
}

/**
 * Anthropic usage into Tollgate's classes. `input_tokens` excludes cache reads and writes already, so
 * they map one to one. Cache writes: the 5m/1h split when present, else all of
 * `cache_creation_input_tokens` as 5-minute writes (the only kind older clients knew).
 */
export function usageFromAnthropic(u: Obj): TokenUsage | null {
  const input = count(u['input_tokens']);
  const output = count(u['output_tokens']);
  const read = count(u['cache_read_input_tokens']);
  const creation = count(u['cache_creation_input_tokens']);
  if (input === null || output === null || read === null || creation === null) return null;
  const split = obj(u['cache_creation']);
  let w5 = creation;
  let w1 = 0;
  if (split && (split['ephemeral_5m_input_tokens'] !== undefined || split['ephemeral_1h_input_tokens'] !== undefined)) {
    const a = count(split['ephemeral_5m_input_tokens']);
    const b = count(split['ephemeral_1h_input_tokens']);
    if (a === null || b === null) return null;
    w5 = a;
    w1 = b;
  }
  const usage: TokenUsage = { input, cachedInput: read, cacheWrite5m: w5, cacheWrite1h: w1, output, reasoning: 0 };
  // Web searches the server tool ran, billed per search apart from tokens.
  const searches = count(obj(u['server_tool_use'])?.['web_search_requests']);
  if (searches === null) return null;
  if (searches > 0) usage.webSearches = searches;
  return usage;
}

export function parseTranscriptLine(text: string): ParsedLine {
  let doc: unknown;
  try {
    // A file's first line may carry a UTF-8 byte-order mark, which JSON.parse refuses.
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { ok: false, skip: 'not_json' };
  }
  const d = obj(doc);
  const message = obj(d?.['message']);
  const rawUsage = obj(message?.['usage']);
  if (!d || !message || !rawUsage) return { ok: false, skip: 'no_usage' };
  const model = str(message['model']);
  if (model === null) return { ok: false, skip: 'no_model' };
  // Lines the client wrote itself (API errors, interruptions): no request reached the provider.
  if (model === '<synthetic>') return { ok: false, skip: 'synthetic_model' };
  const ts = str(d['timestamp']);
  const timestamp = ts === null ? NaN : Date.parse(ts);
  if (!isLedgerTime(timestamp)) return { ok: false, skip: 'bad_timestamp' };
  const usage = usageFromAnthropic(rawUsage);
  if (!usage) return { ok: false, skip: 'bad_usage' };
  return {
    ok: true,
    line: {
      messageId: str(message['id']),
      requestId: str(d['requestId']),
      sessionId: str(d['sessionId']),
      uuid: str(d['uuid']),
      timestamp,
      model,
      isSidechain: d['isSidechain'] === true,
      agentId: str(d['agentId']),
      cwd: str(d['cwd']),
      usage,
      serviceTier: str(rawUsage['service_tier']),
    },
  };
}
