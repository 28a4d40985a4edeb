/**
 * A ledger row as the replayed policies see it: its recorded features, or for rows without them
 * (imported calls, rows from before features were recorded) what can be derived from the row.
 * What could not be derived is said, so the report can count the policies it could not evaluate.
 */
import type { RequestDigest, OutputFeatures } from '../../guard/index.js';
import type { TokenUsage } from '../../pricing/usage.js';
import type { CallRow } from '../../storage/types.js';
import { rowUsage } from '../row-usage.js';

/** Refusals by a policy: the call never reached the provider, so its usage is unknown. */
const REFUSED = new Set(['budget_exceeded', 'rate_limited', 'run_paused', 'run_terminated', 'run_concurrency_exceeded', 'limits_unavailable']);
/** Failures before any policy ran (bad requests, unknown models): nothing to replay. */
const BEFORE_POLICIES = new Set(['invalid_request', 'invalid_json', 'method_not_allowed', 'shutting_down', 'body_too_large', 'unauthenticated', 'key_revoked', 'forbidden', 'not_found', 'unknown_model', 'model_not_allowed', 'unpriced_model', 'unsupported_format']);

/** Tokens the request bytes do not bound (kept equal to pipeline/reserve.ts). */
const TOOLS_TOKENS = 1_000;
const IMAGE_TOKENS = 3_000;

export interface ReplayInput {
  row: CallRow;
  requested: string;
  /** The run as the guard keys it, with the team (two teams' runs of one id are two runs, as live). */
  runId: string;
  usage: TokenUsage;
  /** The live call was refused by a policy: what it would have used is unknown. */
  refusedLive: boolean;
  bytes: number;
  /** Prompt-token bound as reserved live; null to derive from `bytes` with the replayed default. */
  promptBound: number | null;
  /** Output bound (tokens x choices); null when the client gave none (the replayed default applies). */
  outputBound: number | null;
  choices: number;
  tools: boolean;
  images: boolean;
  routeHeader: string | null;
  noCache: boolean;
  unlimited: boolean;
  upstreamStatus: number | null;
  request: RequestDigest | null;
  output: OutputFeatures | null;
  /** Whether recorded features were present (imported rows have none). */
  hasFeatures: boolean;
}

/** Whether the row is a call the policies decided on (not a fallback attempt, not a bad request). */
export function replayable(row: CallRow): boolean {
  return row.attemptOf === null && row.requestedModel !== null && !(row.errorCode !== null && BEFORE_POLICIES.has(row.errorCode));
}

export function inputOf(row: CallRow): ReplayInput {
  const f = row.features ?? null;
  const usage = rowUsage(row);
  const prompt = usage.input + usage.cachedInput + usage.cacheWrite5m + usage.cacheWrite1h;
  // The guard's run id is what the gateway recorded; a call without one is a run of its own.
  const runId = row.run ?? `call:${row.id}`;
  return {
    row,
    requested: row.requestedModel ?? '',
    runId,
    usage,
    refusedLive: row.errorCode !== null && REFUSED.has(row.errorCode),
    // Without features the prompt's size is its tokens (the bound reserve would have used is at least that).
    bytes: f ? f.bytes : prompt,
    promptBound: f ? f.promptBound : prompt,
    outputBound: f ? f.outputBound : usage.output + usage.reasoning,
    choices: f ? f.choices : 1,
    tools: f ? f.tools : false,
    images: f ? f.images : false,
    routeHeader: f ? f.routeHeader : null,
    noCache: f ? f.noCache : false,
    unlimited: f ? f.unlimited : false,
    upstreamStatus: f ? f.upstreamStatus : null,
    request: f?.request ?? null,
    output: f?.output ?? null,
    hasFeatures: f !== null,
  };
}

/** The prompt bound reserve would use when none was recorded (the call reserved nothing live). */
export function derivedPromptBound(x: ReplayInput, maxTokens: number): number {
  if (x.promptBound !== null) return x.promptBound;
  // reserve splices `,"max_tokens":N` into a body that had no bound before measuring it.
  const spliced = x.outputBound === null ? `,"max_tokens":${maxTokens}`.length : 0;
  return x.bytes + spliced + (x.tools ? TOOLS_TOKENS : 0) + (x.images ? IMAGE_TOKENS : 0);
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h + u.output + u.reasoning;
}
