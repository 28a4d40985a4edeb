/**
 * An admin endpoint's query parameters, checked: one it does not take (a typo such as `tema=`) is
 * refused rather than ignored, which would answer for the whole organisation instead of one team;
 * a number that is not one (`limit=abc`) is refused rather than replaced by the default.
 */
import { GatewayError } from '../errors.js';

/** For an endpoint that takes no parameters. */
export const NO_PARAMS: ReadonlySet<string> = new Set();

export function onlyParams(params: URLSearchParams, allowed: ReadonlySet<string>, endpoint: string): void {
  for (const name of params.keys()) {
    if (!allowed.has(name)) {
      const takes = allowed.size === 0 ? 'takes no parameters' : `takes ${[...allowed].join(', ')}`;
      throw new GatewayError('invalid_request', `Unknown parameter ${name}; ${endpoint} ${takes}.`, { details: { param: name } });
    }
  }
}

/** An integer parameter from `min` to `max`; `fallback` when absent. */
export function intParam(params: URLSearchParams, name: string, range: { fallback: number; min: number; max: number }): number {
  const raw = params.get(name);
  if (raw === null) return range.fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new GatewayError('invalid_request', `${name} must be an integer from ${range.min} to ${range.max}.`, { details: { param: name } });
  }
  return n;
}

/** `limit`: an integer from 1 to `max`; `fallback` when absent. */
export function limitParam(params: URLSearchParams, fallback: number, max: number): number {
  return intParam(params, 'limit', { fallback, min: 1, max });
}
