/**
 * Retry storm: calls of one agent failing in a row without a reason to retry (no upstream status, or
 * one that retrying cannot fix, like 400), or the same request re-sent immediately after the previous
 * one ended. Retries after real upstream errors (408, 409, 425, 429, 5xx) are healthy and break the
 * streak.
 */
import type { CallSummary } from '../state.js';
import { agentLabel, ratio, walkable, walkFrom, type Detector, type DetectorInput } from './detector.js';

/** Statuses a client is right to retry. */
export function isRetryableStatus(status: number | null): boolean {
  return status !== null && (status === 408 || status === 409 || status === 425 || status === 429 || status >= 500);
}

/** Failed, and not for a reason that retrying can fix. */
export function isBadFailure(c: CallSummary): boolean {
  return c.ok === false && !isRetryableStatus(c.errorStatus);
}

function failures(input: DetectorInput): string[] {
  const ids = [input.current.id];
  for (let i = walkFrom(input); i >= 0; i--) {
    const c = input.calls[i]!;
    if (!walkable(c, input.current, true) || c.endAt === null) continue;
    if (!isBadFailure(c)) break;
    ids.unshift(c.id);
  }
  return ids;
}

function retries(input: DetectorInput): string[] {
  const ids = [input.current.id];
  for (let i = walkFrom(input); i >= 0; i--) {
    const c = input.calls[i]!;
    if (!walkable(c, input.current, true)) continue;
    if (!c.retry) break;
    ids.unshift(c.id);
  }
  return ids;
}

export const retryStorm: Detector = {
  name: 'retry_storm',
  phases: ['request', 'response'],
  detect(input, phase) {
    const { current, cfg } = input;
    if (current.paced) return null;
    const who = agentLabel(current.agent);
    if (phase === 'request') {
      if (!current.retry) return null;
      const ids = retries(input);
      return {
        detector: 'retry_storm',
        score: ratio(ids.length, cfg.retry_storm.streak),
        summary: `${who} re-sent the same request immediately ${ids.length} time${ids.length > 1 ? 's' : ''} in a row`,
        calls: ids,
      };
    }
    if (!isBadFailure(current)) return null;
    const ids = failures(input);
    const status = current.errorStatus === null ? 'no upstream status' : `upstream status ${current.errorStatus}`;
    return {
      detector: 'retry_storm',
      score: ratio(ids.length, cfg.retry_storm.streak),
      summary: `${ids.length} calls in a row from ${who} failed (${status}), not a retryable upstream error`,
      calls: ids,
    };
  },
};
