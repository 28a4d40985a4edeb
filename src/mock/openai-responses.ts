/**
 * `POST /v1/responses`: OpenAI Responses API bodies (`object: "response"`) and event streams
 * (`response.created` ... `response.completed`, every event numbered by `sequence_number`).
 * Prompt tokens count the instructions and the text of every input item; usage follows OpenAI's
 * semantics (input_tokens includes cached_tokens, output_tokens includes reasoning_tokens). A reply cut
 * by `max_output_tokens` is `incomplete`, as the real API reports it.
 */
import type { ServerResponse } from 'node:http';
import type { MockContext } from './context.js';
import { findDirective } from './directive.js';
import { openaiErrorBody, openaiFailureBody } from './error-bodies.js';
import type { Headers } from './http-reply.js';
import { mockId } from './ids.js';
import { contentText, intField, isObject, type JsonObject } from './message-text.js';
import { argumentPieces, type ReplyPlan } from './reply-plan.js';
import { planRequest, sendReply } from './respond.js';
import type { SseFrame } from './sse-stream.js';
import { countTokens } from './token-count.js';
import { replyText, replyWord } from './words.js';

const DEFAULT_MODEL = 'gpt-4o-mini';

/** The text of instructions and input (a string, or items: messages and tool outputs), and the last user text. */
function readInput(body: JsonObject): { allText: string; lastUserText: string | undefined } {
  let allText = contentText(body['instructions']);
  const input = body['input'];
  if (typeof input === 'string') return { allText: allText + input, lastUserText: input };
  let lastUserText: string | undefined;
  if (Array.isArray(input)) {
    for (const item of input) {
      if (!isObject(item)) continue;
      const text = contentText(item['content']) + (typeof item['output'] === 'string' ? item['output'] : '');
      allText += text;
      if (item['role'] === 'user') lastUserText = text;
    }
  }
  return { allText, lastUserText };
}

export function handleResponses(ctx: MockContext, res: ServerResponse, body: JsonObject): void {
  const { allText, lastUserText } = readInput(body);
  const found = findDirective(lastUserText);
  const plan = planRequest(ctx, { body, countedPromptTokens: countTokens(allText), found, maxTokens: intField(body, 'max_output_tokens'), family: 'openai' });
  const headers: Headers = { 'x-request-id': mockId('req_') };
  if (found.state !== 'none') headers['x-mock-directive'] = found.state;
  sendReply(ctx, res, plan, body['stream'] === true, headers, {
    errorBody: (status, failure) => (failure ? openaiFailureBody(failure) : openaiErrorBody(status)),
    frames: () => eventFrames(plan, body),
    body: () => JSON.stringify(responseObject(plan, body, mockId('resp_'), outputItems(plan, ids()), true)),
    errorEvent: (kept) => failedEvent(plan, body, kept),
  });
}

export function responsesUsage(plan: ReplyPlan): JsonObject {
  return {
    input_tokens: plan.promptTokens,
    input_tokens_details: { cached_tokens: plan.cachedTokens },
    output_tokens: plan.completionTokens,
    output_tokens_details: { reasoning_tokens: plan.reasoningTokens },
    total_tokens: plan.promptTokens + plan.completionTokens,
  };
}

interface ItemIds {
  reasoning: string;
  message: string;
  call: string;
  callId: string;
}

function ids(): ItemIds {
  return { reasoning: mockId('rs_'), message: mockId('msg_'), call: mockId('fc_'), callId: mockId('call_') };
}

function replyString(plan: ReplyPlan): string {
  return plan.textPieces?.join('') ?? replyText(plan.textTokens);
}

/** The finished output items: a reasoning item when the model reasoned, then its message or tool call. */
function outputItems(plan: ReplyPlan, id: ItemIds): JsonObject[] {
  const items: JsonObject[] = [];
  for (let i = 0; i < plan.webSearches; i++) items.push({ id: mockId('ws_'), type: 'web_search_call', status: 'completed', action: { type: 'search', query: `mock search ${i + 1}` } });
  if (plan.reasoningTokens > 0) items.push({ id: id.reasoning, type: 'reasoning', summary: [] });
  const call = plan.toolCall;
  if (call === undefined) {
    const part = { type: 'output_text', text: replyString(plan), annotations: [], logprobs: [] };
    items.push({ id: id.message, type: 'message', status: plan.truncated ? 'incomplete' : 'completed', role: 'assistant', content: [part] });
  } else {
    items.push({ id: id.call, type: 'function_call', status: 'completed', call_id: id.callId, name: call.name, arguments: call.argumentsJson });
  }
  return items;
}

/** The response object; `done` false: as `response.created` announces it (in progress, no output, no usage). */
function responseObject(plan: ReplyPlan, body: JsonObject, id: string, output: JsonObject[], done: boolean): JsonObject {
  const now = Math.floor(Date.now() / 1000);
  const status = !done ? 'in_progress' : plan.truncated ? 'incomplete' : 'completed';
  return {
    id,
    object: 'response',
    created_at: now,
    status,
    completed_at: status === 'completed' ? now : null,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body['instructions'] ?? null,
    max_output_tokens: intField(body, 'max_output_tokens') ?? null,
    model: typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL,
    output,
    parallel_tool_calls: true,
    previous_response_id: typeof body['previous_response_id'] === 'string' ? body['previous_response_id'] : null,
    reasoning: { effort: null, summary: null },
    service_tier: done ? plan.serviceTier : (typeof body['service_tier'] === 'string' ? body['service_tier'] : 'auto'),
    store: body['store'] !== false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: Array.isArray(body['tools']) ? body['tools'] : [],
    top_p: 1,
    truncation: 'disabled',
    usage: done ? responsesUsage(plan) : null,
    user: null,
    metadata: isObject(body['metadata']) ? body['metadata'] : {},
  };
}

/** The real event order: created, in progress, per output item its added / deltas / done events, then the terminal event. */
function eventFrames(plan: ReplyPlan, body: JsonObject): SseFrame[] {
  const frames: SseFrame[] = [];
  const emit = (type: string, data: JsonObject, tokens = 0): void => {
    frames.push({ text: `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: frames.length, ...data })}\n\n`, tokens });
  };
  const responseId = mockId('resp_');
  const id = ids();
  const items = outputItems(plan, id);
  const opening = responseObject(plan, body, responseId, [], false);
  emit('response.created', { response: opening });
  emit('response.in_progress', { response: opening });
  items.forEach((item, output_index) => {
    if (item['type'] === 'message') {
      const item_id = id.message;
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', content: [] } });
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      emit('response.content_part.added', { item_id, output_index, content_index: 0, part });
      const pieces = plan.textPieces ?? Array.from({ length: plan.textTokens }, (_, i) => replyWord(i));
      for (const delta of pieces) emit('response.output_text.delta', { item_id, output_index, content_index: 0, delta, logprobs: [] }, 1);
      const text = pieces.join('');
      emit('response.output_text.done', { item_id, output_index, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { item_id, output_index, content_index: 0, part: { ...part, text } });
    } else if (item['type'] === 'function_call') {
      const item_id = id.call;
      const args = String(item['arguments']);
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of argumentPieces(args)) emit('response.function_call_arguments.delta', { item_id, output_index, delta });
      emit('response.function_call_arguments.done', { item_id, output_index, name: item['name'], arguments: args });
    } else {
      emit('response.output_item.added', { output_index, item });
    }
    emit('response.output_item.done', { output_index, item });
  });
  const final = responseObject(plan, body, responseId, items, true);
  emit(plan.truncated ? 'response.incomplete' : 'response.completed', { response: final });
  return frames;
}

/** `response.failed`, numbered after the `kept` events sent before it, as the API ends a response that failed while generating. */
function failedEvent(plan: ReplyPlan, body: JsonObject, kept: number): string {
  const response = { ...responseObject(plan, body, mockId('resp_'), [], true), status: 'failed', completed_at: null, error: { code: 'server_error', message: 'The model failed to generate a response.' } };
  return `event: response.failed\ndata: ${JSON.stringify({ type: 'response.failed', sequence_number: kept, response })}\n\n`;
}
