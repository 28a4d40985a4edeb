/**
 * An admin endpoint's query parameters, checked: one it does not take (a typo such as `tema=`) is
 * refused rather than ignored, which would answer for the whole organisation instead of one team.
 */
import { GatewayError } from '../errors.js';

export function onlyParams(params: URLSearchParams, allowed: ReadonlySet<string>, endpoint: string): void {
  for (const name of params.keys()) {
    if (!allowed.has(name)) {
      throw new GatewayError('invalid_request', `Unknown parameter ${name}; ${endpoint} takes ${[...allowed].join(', ')}.`, { details: { param: name } });
    }
  }
}

/** `limit`: an integer from 1 to `max`; `fallback` when absent. */
export function limitParam(params: URLSearchParams, fallback: number, max: number): number {
  const raw = params.get('limit');
  if (raw === null) return fallback;
  const limit = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max) {
    throw new GatewayError('invalid_request', `limit must be an integer from 1 to ${max}.`, { details: { param: 'limit' } });
  }
  return limit;
}
