/** What every detector gets and gives. Detectors are pure: the run's recent calls in, evidence out. */
import type { DetectorName, DetectorsConfig } from '../config.js';
import type { CallSummary } from '../state.js';
import type { Evidence } from '../types.js';

/** `request`: in guardBefore, the current call has no result yet. `response`: in guardAfter. */
export type Phase = 'request' | 'response';

export interface DetectorInput {
  /** The run's recent calls in start order; `current` is among them. */
  calls: readonly CallSummary[];
  current: CallSummary;
  cfg: DetectorsConfig;
}

export interface Detector {
  name: DetectorName;
  phases: readonly Phase[];
  detect(input: DetectorInput, phase: Phase): Evidence | null;
}

/** "agent planner" or "the run" when calls carry no x-tollgate-agent. */
export function agentLabel(agent: string | null): string {
  return agent === null ? 'the run' : `agent ${agent}`;
}

/** min(1, count / full), rounded to 2 decimals so states and reports stay readable. */
export function ratio(count: number, full: number): number {
  return Math.round(Math.min(1, count / full) * 100) / 100;
}

/**
 * The calls before `current` in start order that a streak may walk over: same agent when `sameAgent`,
 * not paced, newest first. Walked by index (a generator made an object per detector and call, and one
 * per call it stepped over):
 *   for (let i = walkFrom(input); i >= 0; i--) { const c = input.calls[i]!; if (!walkable(c, input.current, sameAgent)) continue; ... }
 */
export function walkFrom(input: DetectorInput): number {
  const start = input.calls.lastIndexOf(input.current);
  return (start < 0 ? input.calls.length : start) - 1;
}

/** Whether the walk from `current` (see walkFrom) counts `c`. */
export function walkable(c: CallSummary, current: CallSummary, sameAgent: boolean): boolean {
  return !(sameAgent && c.agent !== current.agent) && !c.paced;
}

/** A text-only answer that restates: a short affirmation, or hardly any text new to the run. */
export function isEcho(c: CallSummary, noveltyFloor: number): boolean {
  return c.ok === true && c.toolKey === null && (c.affirmation || (c.novelty !== null && c.novelty < noveltyFloor));
}

/** A tool call (same canonical arguments) the same agent already made among the recent calls. */
export function isRepeatedTool(c: CallSummary, calls: readonly CallSummary[]): boolean {
  if (c.ok !== true || c.toolKey === null) return false;
  for (const o of calls) {
    if (o === c) return false;
    if (o.agent === c.agent && o.toolKey === c.toolKey && o.endAt !== null) return true;
  }
  return false;
}

/** The call brought nothing new: an echo, or a tool call already made. */
export function isStale(c: CallSummary, calls: readonly CallSummary[], noveltyFloor: number): boolean {
  return isEcho(c, noveltyFloor) || isRepeatedTool(c, calls);
}
