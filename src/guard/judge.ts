/**
 * The optional judge: a cheap model asked whether a run's recent calls are unproductive (Gemini CLI
 * does this after 30 turns, every 5-15 turns, and acts at confidence >= 0.9). Off by default. The
 * guard stays pure: the gateway decides when to ask (`judgeDue`), builds the transcript from its own
 * records, calls the model through a `RunJudge` (metering its cost like any call), and feeds the
 * verdict back with `applyJudgeVerdict`, which escalates like any detector.
 */
import type { GuardConfig } from './config.js';
import { actionFor } from './escalation.js';
import { addEvidence, clip, MAX_SUMMARY_CHARS, type RunState } from './state.js';
import type { Evidence, GuardDecision } from './types.js';

export interface JudgeRequest {
  runId: string;
  model: string;
  /** The last `recent_calls` calls as text, assembled by the caller (the guard keeps no texts). */
  transcript: string;
  /** What the detectors already saw. */
  evidence: Evidence[];
}

export interface JudgeVerdict {
  looping: boolean;
  /** 0..1 */
  confidence: number;
  summary: string;
  calls?: string[];
}

/** The hook the gateway implements to ask the judge model. */
export type RunJudge = (request: JudgeRequest) => Promise<JudgeVerdict>;

/** Whether the run is due for a judgement now. */
export function judgeDue(state: RunState, cfg: GuardConfig): boolean {
  const j = cfg.judge;
  if (!cfg.enabled || !j.enabled || j.model === null || state.status !== 'active') return false;
  if (state.calls < j.after_calls) return false;
  return state.judgedAt === 0 || state.calls - state.judgedAt >= j.every_calls;
}

export function applyJudgeVerdict(state: RunState, verdict: JudgeVerdict, cfg: GuardConfig, at: number): { state: RunState; decision: GuardDecision } {
  const confidence = Math.min(1, Math.max(0, verdict.confidence));
  let s: RunState = { ...state, judgedAt: state.calls, scores: { ...state.scores, judge: verdict.looping ? confidence : 0 } };
  const allow: GuardDecision = { action: 'allow', reason: null, evidence: [], refuse: null };
  if (!verdict.looping || confidence < cfg.judge.min_confidence || s.status !== 'active') return { state: s, decision: allow };
  const evidence: Evidence = { detector: 'judge', score: confidence, summary: clip(verdict.summary, MAX_SUMMARY_CHARS), calls: verdict.calls ?? [] };
  s = { ...s, strikes: s.strikes + 1, cleanCalls: 0, evidence: addEvidence(s.evidence, [evidence]) };
  const action = actionFor(s.strikes, cfg.escalation);
  const reason = `judge ${confidence.toFixed(2)}: ${evidence.summary}`;
  if (action === 'allow') return { state: s, decision: allow };
  if (action === 'warn') return { state: { ...s, warnings: s.warnings + 1 }, decision: { action, reason, evidence: [evidence], refuse: null } };
  const status = action === 'pause' ? 'paused' : 'terminated';
  return { state: { ...s, status, statusAt: at, statusReason: reason }, decision: { action, reason, evidence: [evidence], refuse: null } };
}
