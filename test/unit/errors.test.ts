/** The error table: each code's Anthropic error type follows Anthropic's documented status-to-type mapping. */
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, GatewayError, type ErrorCode } from '../../src/errors.js';

// Anthropic's documented types per HTTP status (https://docs.anthropic.com/en/api/errors).
const ANTHROPIC_BY_STATUS: Record<number, string[]> = {
  400: ['invalid_request_error'],
  401: ['authentication_error'],
  402: ['billing_error'],
  403: ['permission_error'],
  404: ['not_found_error'],
  413: ['request_too_large'],
  429: ['rate_limit_error'],
  500: ['api_error'],
  502: ['api_error'],
  503: ['api_error', 'overloaded_error'],
  504: ['timeout_error', 'api_error'],
};

describe('error types in the caller’s API shape', () => {
  for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
    const e = new GatewayError(code, 'x');
    const allowed = ANTHROPIC_BY_STATUS[e.status];
    if (!allowed) continue; // e.g. 423 run_paused: Anthropic has no type of its own for it
    it(`${code} (${e.status}) is an Anthropic ${allowed.join(' or ')}`, () => {
      expect(allowed).toContain(e.anthropicType());
    });
  }

  it('a terminated run is a permission error for both SDKs', () => {
    const e = new GatewayError('run_terminated', 'stopped');
    expect(e.status).toBe(403);
    expect(e.anthropicType()).toBe('permission_error');
    expect(e.openaiType()).toBe('permission_error');
  });
});
