/** `POST /v1/messages` (and `/v1/messages/count_tokens`): Anthropic Messages bodies and event streams. */
import type { ServerResponse } from 'node:http';
import type { MockContext } from './context.js';
import { findDirective, type DirectiveResult } from './directive.js';
import { anthropicErrorBody, anthropicFailureBody } from './error-bodies.js';
import { sendJson, type Headers } from './http-reply.js';
import { mockId } from './ids.js';
import { contentText, intField, readMessages, type JsonObject } from './message-text.js';
import { argumentPieces, type ReplyPlan } from './reply-plan.js';
import { planRequest, sendReply } from './respond.js';
import type { SseFrame } from './sse-stream.js';
import { countTokens } from './token-count.js';
import { replyPieces, replyText, replyWord } from './words.js';

const DEFAULT_MODEL = 'claude-sonnet-4-5';

interface Prompt {
  counted: number;
  found: DirectiveResult;
}

/** Prompt tokens count the system text followed by every message's text, concatenated. */
function readPrompt(body: JsonObject): Prompt {
  const { allText, lastUserText } = readMessages(body['messages']);
  return { counted: countTokens(contentText(body['system']) + allText), found: findDirective(lastUserText) };
}

function baseHeaders(found: DirectiveResult): Headers {
  const headers: Headers = { 'request-id': mockId('req_') };
  if (found.state !== 'none') headers['x-mock-directive'] = found.state;
  return headers;
}

export function handleMessages(ctx: MockContext, res: ServerResponse, body: JsonObject): void {
  const { counted, found } = readPrompt(body);
  const plan = planRequest(ctx, { body, countedPromptTokens: counted, found, maxTokens: intField(body, 'max_tokens'), family: 'anthropic' });
  const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;
  const headers = baseHeaders(found);
  const thinking = found.state === 'applied' ? found.directive.thinking : undefined;
  sendReply(ctx, res, plan, body['stream'] === true, headers, {
    errorBody: (status, failure) => (failure ? anthropicFailureBody(failure, status, headers['request-id'] ?? '') : anthropicErrorBody(status, headers['request-id'] ?? '')),
    frames: () => eventFrames(plan, model, thinking),
    body: () => messageBody(plan, model, thinking),
    errorEvent: () => frame('error', JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })).text,
  });
}

export function handleCountTokens(ctx: MockContext, res: ServerResponse, body: JsonObject): void {
  const { counted, found } = readPrompt(body);
  const promptTokens = found.state === 'applied' ? (found.directive.prompt_tokens ?? counted) : counted;
  sendJson(res, 200, baseHeaders(found), JSON.stringify({ input_tokens: promptTokens }));
}

/** Anthropic reports the uncached part as `input_tokens`; reads and writes are separate fields. */
function inputUsage(plan: ReplyPlan): JsonObject {
  const cacheWrites = plan.cacheWrite5m + plan.cacheWrite1h;
  return {
    input_tokens: plan.promptTokens - plan.cachedTokens - cacheWrites,
    cache_creation_input_tokens: cacheWrites,
    cache_read_input_tokens: plan.cachedTokens,
  };
}

/** Only a reply whose server tools ran reports them. */
function serverToolUse(plan: ReplyPlan): JsonObject {
  return plan.webSearches > 0 ? { server_tool_use: { web_search_requests: plan.webSearches } } : {};
}

function fullUsage(plan: ReplyPlan, outputTokens: number): JsonObject {
  return {
    ...inputUsage(plan),
    cache_creation: {
      ephemeral_5m_input_tokens: plan.cacheWrite5m,
      ephemeral_1h_input_tokens: plan.cacheWrite1h,
    },
    output_tokens: outputTokens,
    ...serverToolUse(plan),
    service_tier: plan.serviceTier,
  };
}

function stopReason(plan: ReplyPlan): string {
  if (plan.toolCall !== undefined) return 'tool_use';
  return plan.truncated ? 'max_tokens' : 'end_turn';
}

/** An opaque signature, as the API attaches to each thinking block (a client sends it back unchanged). */
function thinkingSignature(thinking: string): string {
  return Buffer.from(`mock-thinking:${thinking.length}:${mockId('')}`).toString('base64');
}

export function messageBody(plan: ReplyPlan, model: string, thinking?: string): string {
  const call = plan.toolCall;
  const content: JsonObject[] =
    call === undefined
      ? [{ type: 'text', text: replyText(plan.textTokens) }]
      : [{ type: 'tool_use', id: mockId('toolu_'), name: call.name, input: call.input }];
  if (thinking !== undefined) content.unshift({ type: 'thinking', thinking, signature: thinkingSignature(thinking) });
  return JSON.stringify({
    id: mockId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason(plan),
    stop_sequence: null,
    usage: fullUsage(plan, plan.completionTokens),
  });
}

function frame(type: string, data: string, tokens = 0): SseFrame {
  return { text: `event: ${type}\ndata: ${data}\n\n`, tokens };
}

/** A thinking block's events: start (empty thinking and signature), thinking deltas, the signature, stop. */
function thinkingFrames(thinking: string): SseFrame[] {
  const block = { type: 'thinking', thinking: '', signature: '' };
  const frames = [frame('content_block_start', JSON.stringify({ type: 'content_block_start', index: 0, content_block: block }))];
  for (const piece of replyPieces(thinking)) {
    frames.push(frame('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: piece } })));
  }
  const signature = { type: 'signature_delta', signature: thinkingSignature(thinking) };
  frames.push(frame('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: 0, delta: signature })));
  frames.push(frame('content_block_stop', '{"type":"content_block_stop","index":0}'));
  return frames;
}

/** The real event order: start, block start, ping, deltas, block stop, message delta, stop. */
function eventFrames(plan: ReplyPlan, model: string, thinking?: string): SseFrame[] {
  const message = {
    id: mockId('msg_'),
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // As the real API does, message_start reports output_tokens 1; message_delta has the final count.
    usage: fullUsage(plan, 1),
  };
  const frames: SseFrame[] = [frame('message_start', JSON.stringify({ type: 'message_start', message }))];
  if (thinking !== undefined) frames.push(...thinkingFrames(thinking));
  // The answer's block follows the thinking block, if there is one.
  const at = thinking === undefined ? 0 : 1;
  const call = plan.toolCall;
  const block =
    call === undefined
      ? { type: 'text', text: '' }
      : { type: 'tool_use', id: mockId('toolu_'), name: call.name, input: {} };
  frames.push(frame('content_block_start', JSON.stringify({ type: 'content_block_start', index: at, content_block: block })));
  frames.push(frame('ping', '{"type": "ping"}'));
  if (call === undefined) {
    for (let i = 0; i < plan.textTokens; i++) {
      const data = `{"type":"content_block_delta","index":${at},"delta":{"type":"text_delta","text":"${replyWord(i)}"}}`;
      frames.push(frame('content_block_delta', data, 1));
    }
  } else {
    for (const piece of ['', ...argumentPieces(call.argumentsJson)]) {
      const delta = { type: 'input_json_delta', partial_json: piece };
      frames.push(frame('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: at, delta })));
    }
  }
  frames.push(frame('content_block_stop', `{"type":"content_block_stop","index":${at}}`));
  const messageDelta = {
    type: 'message_delta',
    delta: { stop_reason: stopReason(plan), stop_sequence: null },
    // Cumulative, like the real API: the input fields repeat message_start's, output is the final count.
    usage: { ...inputUsage(plan), output_tokens: plan.completionTokens, ...serverToolUse(plan) },
  };
  frames.push(frame('message_delta', JSON.stringify(messageDelta)));
  frames.push(frame('message_stop', '{"type":"message_stop"}'));
  return frames;
}
