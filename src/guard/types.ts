/**
 * The run guard's contract: pure functions over a JSON-serialisable, size-bounded run state, shared
 * by the live gateway (pipeline/guard-run.ts) and replay. No I/O, no clock: times are passed in.
 *
 *   const pre = guardBefore(state, call, cfg)   // before the provider is called: caps, status, request-side detectors
 *   const post = guardAfter(pre.state, result, cfg) // after it answered: cost, response-side detectors
 *
 * A decision escalates warn -> pause -> terminate per policy; once a run is paused or terminated,
 * guardBefore refuses its further calls until resumed (pause) or forever (terminate).
 */

import type { OutputFeatures, RequestDigest } from './digest.js';
import type { CallSummary } from './state.js';

export type GuardAction = 'allow' | 'warn' | 'pause' | 'terminate';

export interface Evidence {
  detector: string;
  /** 0..1; the policy compares it with the detector's threshold. */
  score: number;
  /** Human-readable: which calls, what repeated. */
  summary: string;
  /** Call ids involved (most recent last). */
  calls: string[];
}

/** What the gateway knows about a call before sending it upstream. */
export interface CallStart {
  callId: string;
  at: number;
  agent: string | null;
  parent: string | null;
  model: string;
  /** The request's messages in either API shape (OpenAI chat or Anthropic messages), and system prompt. */
  messages: unknown[];
  system: unknown;
  /** Size of the request body in bytes (the gateway's raw body length). */
  promptBytes: number;
  /** Tools offered (not used by the detectors yet; the tool calls the model made come in CallEnd). */
  tools?: unknown;
  /** The call's attribution as scopes ("key:ID", "team:NAME", "project:NAME", "user:NAME"), for `cap_overrides`. */
  scopes?: readonly string[];
  /** The request's digest when already taken (the gateway keeps it for the ledger; replay has only it). */
  digest?: RequestDigest;
  /**
   * Summaries of calls nothing refers to any more (runs their owner forgot), for this call's summary
   * to be written into instead of allocated (replay: a summary lives as long as its run, so each new one
   * was promoted out of the young generation). The live gateway passes none.
   */
  reuse?: CallSummary[];
}

/** What the gateway knows once the call ended. */
export interface CallEnd {
  callId: string;
  at: number;
  costNanos: number;
  promptTokens: number;
  outputTokens: number;
  /** Generated text (content), possibly truncated by the gateway to a few KB. */
  outputText: string;
  /** Tool calls the model made in this response: name + raw JSON arguments. */
  toolCalls: { name: string; arguments: string }[];
  ok: boolean;
  /** The upstream's error status when it failed (retries after real errors are healthy). */
  errorStatus: number | null;
  /** The output's digest when already taken (the gateway keeps it for the ledger; replay has only it). */
  digest?: OutputFeatures;
}

export interface RunCaps {
  maxCalls: number | null;
  maxCostNanos: number | null;
  maxDepth: number | null;
  maxWallMs: number | null;
  maxConcurrent: number | null;
}

export type RunStatus = 'active' | 'paused' | 'terminated';

/**
 * Why guardBefore refuses a call, as the error code to answer with:
 *   run_terminated (410, not retried by the SDKs), run_paused (423), and run_concurrency_exceeded
 *   (429, retryable: only this call is over max_concurrent, the run itself goes on).
 */
export type GuardRefusal = 'run_terminated' | 'run_paused' | 'run_concurrency_exceeded';

export interface GuardDecision {
  action: GuardAction;
  /** Set when the action is not allow. */
  reason: string | null;
  evidence: Evidence[];
  /** guardBefore only: set when this call must not be sent upstream. Always null from guardAfter. */
  refuse: GuardRefusal | null;
  /** True on the call whose check stopped the run (paused or terminated it), not on the refusals after. */
  stopped?: boolean;
}
