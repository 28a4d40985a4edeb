/**
 * A provider's 4xx reaches the official SDKs with the provider's own type, code and param: as the
 * provider sent them when the client speaks its shape, mapped when Tollgate translated the call.
 * The mock answers each named failure (`error_code`) with the provider's real body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { directive, ledgerWatch, startStack, type LedgerWatch, type Stack } from './harness.js';

let s: Stack;
let key: string;
let ledger: LedgerWatch;
beforeAll(async () => {
  s = await startStack();
  key = await s.createKey({ team: 'errors' });
  ledger = ledgerWatch(s);
});
afterAll(() => s.close());

const say = (error_code: string): string => directive({ error_code });

async function openaiError(model: string, error_code: string, stream = false): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await s
    .openai(key)
    .chat.completions.create({ model, max_tokens: 20, stream, messages: [{ role: 'user', content: say(error_code) }] })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

async function anthropicError(model: string, error_code: string, stream = false): Promise<InstanceType<typeof Anthropic.APIError>> {
  const err = await s
    .anthropic(key)
    .messages.create({ model, max_tokens: 20, stream, messages: [{ role: 'user', content: say(error_code) }] })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return err as InstanceType<typeof Anthropic.APIError>;
}

/** The Anthropic body's error object, as the SDK keeps it. */
const inner = (e: InstanceType<typeof Anthropic.APIError>): Record<string, unknown> => (e.error as { error: Record<string, unknown> }).error;

describe('provider errors in the provider\'s own shape', () => {
  it('OpenAI: type, code and param pass, streamed or not, with no provider key', async () => {
    await ledger.start();
    for (const stream of [false, true]) {
      const ctx = await openaiError('test-gpt', 'context_length_exceeded', stream);
      expect(ctx).toBeInstanceOf(OpenAI.BadRequestError);
      expect([ctx.status, ctx.type, ctx.code, ctx.param]).toEqual([400, 'invalid_request_error', 'context_length_exceeded', 'messages']);
      expect(ctx.message).toMatch(/maximum context length is 128000 tokens/);
      expect(ctx.headers?.get('x-tollgate-error-code')).toBe('upstream_error');
    }
    const quota = await openaiError('test-gpt', 'insufficient_quota');
    expect(quota).toBeInstanceOf(OpenAI.RateLimitError);
    expect([quota.type, quota.code, quota.param]).toEqual(['insufficient_quota', 'insufficient_quota', null]);
    const limited = await openaiError('test-gpt', 'rate_limit_exceeded');
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect([limited.type, limited.code]).toEqual(['requests', 'rate_limit_exceeded']);
    expect(limited.headers?.get('retry-after')).toBe('7');
    const param = await openaiError('test-gpt', 'unsupported_parameter');
    expect([param.status, param.code, param.param]).toEqual([400, 'unsupported_parameter', 'temperature']);
    const missing = await openaiError('test-gpt', 'model_not_found');
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe('model_not_found');
    // Tollgate's own key refused, and a provider failing, stay Tollgate's 502 upstream_error.
    const auth = await openaiError('test-gpt', 'invalid_api_key');
    expect([auth.status, auth.type, auth.code]).toEqual([502, 'api_error', 'upstream_error']);
    expect(JSON.stringify(auth.error)).not.toMatch(/sk-mock\*/);
    const down = await openaiError('test-gpt', 'overloaded');
    expect([down.status, down.code]).toEqual([502, 'upstream_error']);
    // The ledger keeps Tollgate's code; the status says which failure it was.
    const rows = await ledger.check(8);
    for (const row of rows) expect(row).toMatchObject({ status: 'error', errorCode: 'upstream_error', costNanos: 0 });
    expect(rows.map((r) => r.httpStatus).sort()).toEqual([400, 400, 400, 404, 429, 429, 502, 502]);
  });

  it('Anthropic: the type passes, streamed or not', async () => {
    for (const stream of [false, true]) {
      const long = await anthropicError('test-claude', 'context_length_exceeded', stream);
      expect(long).toBeInstanceOf(Anthropic.BadRequestError);
      expect([long.status, long.type]).toEqual([400, 'invalid_request_error']);
      expect(inner(long)['message']).toMatch(/prompt is too long/);
    }
    const limited = await anthropicError('test-claude', 'rate_limit_exceeded');
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(limited.type).toBe('rate_limit_error');
    expect(limited.headers?.get('retry-after')).toBe('7');
    const missing = await anthropicError('test-claude', 'model_not_found');
    expect([missing.status, missing.type]).toEqual([404, 'not_found_error']);
    const auth = await anthropicError('test-claude', 'invalid_api_key');
    expect([auth.status, auth.type, inner(auth)['code']]).toEqual([502, 'api_error', 'upstream_error']);
  });
});

describe('provider errors translated to the client\'s shape', () => {
  it('an OpenAI client served by Anthropic gets OpenAI types and codes', async () => {
    for (const stream of [false, true]) {
      const long = await openaiError('test-claude', 'context_length_exceeded', stream);
      expect(long).toBeInstanceOf(OpenAI.BadRequestError);
      expect([long.type, long.code, long.param]).toEqual(['invalid_request_error', 'context_length_exceeded', null]);
      expect(long.message).toMatch(/prompt is too long/);
    }
    const limited = await openaiError('test-claude', 'rate_limit_exceeded');
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect([limited.type, limited.code]).toEqual(['requests', 'rate_limit_exceeded']);
    expect(limited.headers?.get('retry-after')).toBe('7');
    // Anthropic answers an empty credit balance with a plain 400.
    const credit = await openaiError('test-claude', 'insufficient_quota');
    expect([credit.status, credit.type, credit.code]).toEqual([400, 'invalid_request_error', null]);
    const missing = await openaiError('test-claude', 'model_not_found');
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.type).toBe('not_found_error');
  });

  it('an Anthropic client served by OpenAI gets Anthropic types, the OpenAI code as its error_code', async () => {
    for (const stream of [false, true]) {
      const long = await anthropicError('test-gpt', 'context_length_exceeded', stream);
      expect(long).toBeInstanceOf(Anthropic.BadRequestError);
      expect([long.type, long.errorCode]).toEqual(['invalid_request_error', 'context_length_exceeded']);
      expect(inner(long)).not.toHaveProperty('param');
    }
    const quota = await anthropicError('test-gpt', 'insufficient_quota');
    expect(quota).toBeInstanceOf(Anthropic.RateLimitError);
    expect([quota.type, quota.errorCode]).toEqual(['billing_error', 'insufficient_quota']);
    const limited = await anthropicError('test-gpt', 'rate_limit_exceeded');
    expect([limited.type, limited.errorCode]).toEqual(['rate_limit_error', 'rate_limit_exceeded']);
    const param = await anthropicError('test-gpt', 'unsupported_parameter');
    expect([param.status, param.type, param.errorCode]).toEqual([400, 'invalid_request_error', 'unsupported_parameter']);
    const missing = await anthropicError('test-gpt', 'model_not_found');
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect(missing.type).toBe('not_found_error');
    const down = await anthropicError('test-gpt', 'overloaded');
    expect([down.status, down.type, inner(down)['code']]).toEqual([502, 'api_error', 'upstream_error']);
  });
});
