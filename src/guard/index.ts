/** The run guard's public API: pure functions over a bounded, JSON-serialisable run state. */
export type {
  CallEnd,
  CallStart,
  Evidence,
  GuardAction,
  GuardDecision,
  GuardRefusal,
  RunCaps,
  RunStatus,
} from './types.js';
export { guardConfigSchema, defaultGuardConfig, DETECTOR_NAMES, type GuardConfig, type DetectorName } from './config.js';
export { guardBefore, guardAfter, guardBeforeInPlace, guardAfterInPlace, resumeRun, killRun, pauseRun, allowRun, stoppedByOperator, IN_FLIGHT_TTL_MS, type GuardResult } from './policy.js';
export {
  newRunState,
  resetRunState,
  cloneRunState,
  RECENT_CALLS,
  REQUEST_HISTORY,
  MAX_IN_FLIGHT,
  MAX_AGENTS,
  MAX_EVIDENCE,
  type RunState,
  type CallSummary,
} from './state.js';
export { boundedId, MAX_RUN_ID_CHARS } from './run-id.js';
export { runIdentity, traceIdOf, sessionOf, fingerprintRunId, type RunIdentity, type RunIdSource, type IdentityInput } from './identity.js';
export { callStartFromBody, type CallStartInput } from './call-view.js';
export { capsFor } from './caps.js';
export { isAllowListed, matchesRunPattern } from './allow-list.js';
export { judgeDue, applyJudgeVerdict, type RunJudge, type JudgeRequest, type JudgeVerdict } from './judge.js';
export { normaliseText } from './text.js';
export { sketchText, sketchSimilarity, hammingDistance, type Sketch } from './sketch.js';
export { canonicalToolCall, toolCallsKey, type ToolCall } from './tool-key.js';
export { DETECTORS } from './detectors/index.js';
export { digestRequest, outputFeatures, type RequestDigest, type OutputFeatures } from './digest.js';
