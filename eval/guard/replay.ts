/**
 * What replaying a run yields, whichever way it is replayed: per call whether it was sent, and the
 * guard's verdicts. Both replays walk the same timeline: calls start at `at_ms` and end at
 * `at_ms + duration_ms` (ends first when a call ends as another starts), and once the guard refuses
 * a call of a run, the run is over (an agent framework surfaces the error and stops).
 */
import type { CorpusRun } from './corpus.js';

export interface RunOutcome {
  /** Index of the first refused call, or null when the run went through. */
  stoppedAt: number | null;
  refusal: string | null;
  /** Index of the first call that drew a warning. */
  firstWarningAt: number | null;
  warnings: number;
  /** Per call: sent upstream (true) or not (false: refused, or after the run was stopped). */
  sent: boolean[];
  reason: string | null;
  /** Largest JSON size of the run's state seen (mode a only). */
  maxStateBytes: number | null;
}

export type TimelineEvent = { kind: 'start' | 'end'; index: number; at: number };

export function timeline(run: CorpusRun): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  run.calls.forEach((c, index) => {
    events.push({ kind: 'start', index, at: c.at_ms }, { kind: 'end', index, at: c.at_ms + c.duration_ms });
  });
  return events.sort((a, b) => a.at - b.at || (a.kind === b.kind ? a.index - b.index : a.kind === 'end' ? -1 : 1));
}
