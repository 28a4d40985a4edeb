/**
 * Building a CallStart from a request body in either API shape, so the gateway and replay describe a
 * call to the guard the same way.
 */
import type { CallStart } from './types.js';

export interface CallStartInput {
  callId: string;
  at: number;
  agent: string | null;
  parent: string | null;
  /** The parsed request body (OpenAI chat or Anthropic messages). */
  body: unknown;
  /** The raw body's length in bytes. */
  promptBytes: number;
  scopes?: readonly string[];
}

export function callStartFromBody(input: CallStartInput): CallStart {
  const body = typeof input.body === 'object' && input.body !== null && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : {};
  const messages = body['messages'];
  return {
    callId: input.callId,
    at: input.at,
    agent: input.agent,
    parent: input.parent,
    model: typeof body['model'] === 'string' ? body['model'] : '',
    messages: Array.isArray(messages) ? messages : [],
    system: body['system'] ?? null,
    promptBytes: input.promptBytes,
    tools: body['tools'],
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
  };
}
