import { describe, expect, it } from 'vitest';
import type { ProviderErrorFields } from '../../../src/errors.js';
import { clientErrorFields } from '../../../src/translate/error-shapes.js';

const openai = (status: number, type: string | null, code: string | null, param: string | null = null): ProviderErrorFields => ({ shape: 'openai', status, type, code, param, message: 'm' });
const anthropic = (status: number, type: string | null, message = 'm', code: string | null = null): ProviderErrorFields => ({ shape: 'anthropic', status, type, code, param: null, message });

describe('a provider error in the client\'s shape', () => {
  it('passes the provider\'s own fields to a client of its shape', () => {
    expect(clientErrorFields(openai(400, 'invalid_request_error', 'context_length_exceeded', 'messages'), 'openai')).toEqual({ type: 'invalid_request_error', code: 'context_length_exceeded', param: 'messages' });
    expect(clientErrorFields(anthropic(400, 'invalid_request_error', 'm', 'request_body_encoding_invalid'), 'anthropic')).toEqual({ type: 'invalid_request_error', code: 'request_body_encoding_invalid', param: null });
    // A body without a type (not JSON): the type its status means.
    expect(clientErrorFields(anthropic(413, null), 'anthropic').type).toBe('request_too_large');
    expect(clientErrorFields(openai(429, null, null), 'openai').type).toBe('requests');
  });

  it('maps OpenAI codes to Anthropic types, by code first, then status', () => {
    const t = (f: ProviderErrorFields): string => clientErrorFields(f, 'anthropic').type;
    expect(t(openai(400, 'invalid_request_error', 'context_length_exceeded', 'messages'))).toBe('invalid_request_error');
    expect(t(openai(429, 'requests', 'rate_limit_exceeded'))).toBe('rate_limit_error');
    expect(t(openai(429, 'insufficient_quota', 'insufficient_quota'))).toBe('billing_error');
    expect(t(openai(429, 'insufficient_quota', null))).toBe('billing_error');
    expect(t(openai(404, 'invalid_request_error', 'model_not_found'))).toBe('not_found_error');
    expect(t(openai(413, 'invalid_request_error', null))).toBe('request_too_large');
    expect(t(openai(422, 'invalid_request_error', null))).toBe('invalid_request_error');
    // The translated call's param names a field the client did not send.
    expect(clientErrorFields(openai(400, 'invalid_request_error', 'unsupported_parameter', 'temperature'), 'anthropic')).toEqual({ type: 'invalid_request_error', code: 'unsupported_parameter', param: null });
  });

  it('maps Anthropic types to OpenAI types and codes', () => {
    const f = (e: ProviderErrorFields): [string, string | null] => {
      const o = clientErrorFields(e, 'openai');
      return [o.type, o.code];
    };
    expect(f(anthropic(400, 'invalid_request_error', 'prompt is too long: 210000 tokens > 200000 maximum'))).toEqual(['invalid_request_error', 'context_length_exceeded']);
    expect(f(anthropic(400, 'invalid_request_error', 'max_tokens: Field required'))).toEqual(['invalid_request_error', null]);
    expect(f(anthropic(429, 'rate_limit_error'))).toEqual(['requests', 'rate_limit_exceeded']);
    expect(f(anthropic(402, 'billing_error'))).toEqual(['insufficient_quota', 'insufficient_quota']);
    expect(f(anthropic(404, 'not_found_error'))).toEqual(['not_found_error', null]);
    expect(f(anthropic(413, 'request_too_large'))).toEqual(['invalid_request_error', null]);
    expect(f(anthropic(401, 'authentication_error'))).toEqual(['authentication_error', 'invalid_api_key']);
    expect(f(anthropic(403, 'permission_error'))).toEqual(['permission_error', null]);
    expect(f(anthropic(529, 'overloaded_error'))).toEqual(['server_error', null]);
    // No OpenAI code of that meaning: Anthropic's own error_code, if it gave one.
    expect(f(anthropic(400, 'invalid_request_error', 'm', 'request_body_encoding_invalid'))).toEqual(['invalid_request_error', 'request_body_encoding_invalid']);
    expect(clientErrorFields(anthropic(400, 'invalid_request_error'), 'openai').param).toBeNull();
  });
});
