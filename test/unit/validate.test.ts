import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors.js';
import { newContext, type CallContext } from '../../src/pipeline/context.js';
import { validate } from '../../src/pipeline/validate.js';
import type { Endpoint } from '../../src/providers/types.js';

function ctxFor(endpoint: Endpoint, body: unknown): CallContext {
  const ctx = newContext({ id: 'call_1', api: endpoint === 'messages' ? 'anthropic' : 'openai', endpoint, req: {} as IncomingMessage, res: {} as ServerResponse, startedAt: 0 });
  ctx.rawBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return ctx;
}

function refusal(endpoint: Endpoint, body: unknown): GatewayError {
  try {
    validate(ctxFor(endpoint, body));
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(body)}`);
}

const messages = [{ role: 'user', content: 'hi' }];

describe('validate', () => {
  it('accepts well-formed chat and Messages bodies as sent, with their stream flags', () => {
    const chat = { model: 'm', messages, stream: true, stream_options: { include_usage: true }, max_tokens: 5, max_completion_tokens: null, extra: { kept: 1 } };
    const c = ctxFor('chat', chat);
    validate(c);
    expect(c.body).toEqual(chat);
    expect(c.stream).toBe(true);
    expect(c.clientWantsUsage).toBe(true);
    const m = ctxFor('messages', { model: 'claude', messages, max_tokens: 10, stream: null });
    validate(m);
    expect(m.stream).toBe(false);
    expect(m.body['max_tokens']).toBe(10);
  });

  it.each([
    ['chat', { messages }, 'model'],
    ['chat', { model: '', messages }, 'model'],
    ['chat', { model: 'm', messages: [] }, 'messages'],
    ['chat', { model: 'm', messages: 'hi' }, 'messages'],
    ['chat', { model: 'm', messages, stream: 'yes' }, 'stream'],
    ['chat', { model: 'm', messages, stream_options: [] }, 'stream_options'],
    ['chat', { model: 'm', messages, stream_options: { include_usage: 1 } }, 'stream_options.include_usage'],
    ['chat', { model: 'm', messages, max_tokens: 0 }, 'max_tokens'],
    ['chat', { model: 'm', messages, max_tokens: 1.5 }, 'max_tokens'],
    ['chat', { model: 'm', messages, max_tokens: 2 ** 60 }, 'max_tokens'],
    ['chat', { model: 'm', messages, max_completion_tokens: -1 }, 'max_completion_tokens'],
    ['chat', { model: 'm', messages, n: 1e308 }, 'n'],
    ['chat', { model: 'm', messages, n: -5 }, 'n'],
    ['chat', { model: 'm', messages, n: '5' }, 'n'],
    ['chat', { model: 'm', messages, n: 1.5 }, 'n'],
    ['chat', { model: 'm', messages, n: 129 }, 'n'],
    ['chat', [{ model: 'm', messages }], 'body'],
    ['messages', { model: 'claude', messages }, 'max_tokens'],
    ['messages', { model: 'claude', messages, max_tokens: 10, stream: 1 }, 'stream'],
  ] as const)('refuses a malformed %s body naming the field (%j)', (endpoint, body, param) => {
    const e = refusal(endpoint, body);
    expect(e.code).toBe('invalid_request');
    expect(e.details?.['param']).toBe(param);
    expect(e.message).toContain(`Invalid request: ${param}: `);
  });

  it('accepts n from 1 to 128 choices', () => {
    for (const n of [1, 4, 128, null]) {
      const c = ctxFor('chat', { model: 'm', messages, n });
      validate(c);
      expect(c.body['n']).toBe(n);
    }
  });

  it('refuses a body that is not JSON', () => {
    expect(refusal('chat', '{"model":').code).toBe('invalid_json');
  });
});
