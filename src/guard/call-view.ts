/**
 * Building a CallStart from a request body in any API shape (OpenAI chat, Anthropic messages, OpenAI
 * Responses), so the gateway and replay describe a call to the guard the same way.
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

/**
 * The conversation a request carries: `messages` (chat, Messages), or the Responses API's `input`
 * (a string is one user message; items are kept as they are: messages have a role like chat's, tool
 * calls and their outputs are `function_call` / `function_call_output` items).
 */
export function requestMessages(body: Record<string, unknown>): unknown[] {
  const messages = body['messages'] ?? body['input'];
  if (typeof messages === 'string') return [{ role: 'user', content: messages }];
  return Array.isArray(messages) ? messages : [];
}

/** The system prompt: Messages' `system`, or the Responses API's `instructions`. */
export function requestSystem(body: Record<string, unknown>): unknown {
  return body['system'] ?? body['instructions'] ?? null;
}

export function callStartFromBody(input: CallStartInput): CallStart {
  const body = typeof input.body === 'object' && input.body !== null && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : {};
  return {
    callId: input.callId,
    at: input.at,
    agent: input.agent,
    parent: input.parent,
    model: typeof body['model'] === 'string' ? body['model'] : '',
    messages: requestMessages(body),
    system: requestSystem(body),
    promptBytes: input.promptBytes,
    tools: body['tools'],
    ...(input.scopes !== undefined ? { scopes: input.scopes } : {}),
  };
}
