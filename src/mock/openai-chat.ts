/** `POST /v1/chat/completions`: chat.completion bodies and chat.completion.chunk streams. */
import type { ServerResponse } from 'node:http';
import type { MockContext } from './context.js';
import { findDirective } from './directive.js';
import { openaiErrorBody, openaiFailureBody } from './error-bodies.js';
import type { Headers } from './http-reply.js';
import { mockId } from './ids.js';
import { intField, isObject, readMessages, type JsonObject } from './message-text.js';
import { argumentPieces, type ReplyPlan } from './reply-plan.js';
import { planRequest, sendReply } from './respond.js';
import type { SseFrame } from './sse-stream.js';
import { countTokens } from './token-count.js';
import { replyText, replyWord } from './words.js';

const DEFAULT_MODEL = 'gpt-4o-mini';
const FINGERPRINT = 'fp_mock';

export function handleChatCompletions(ctx: MockContext, res: ServerResponse, body: JsonObject): void {
  const { allText, lastUserText } = readMessages(body['messages']);
  const found = findDirective(lastUserText);
  const maxTokens = intField(body, 'max_completion_tokens') ?? intField(body, 'max_tokens');
  const plan = planRequest(ctx, { body, countedPromptTokens: countTokens(allText), found, maxTokens, family: 'openai' });
  const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;
  const headers: Headers = { 'x-request-id': mockId('req_') };
  if (found.state !== 'none') headers['x-mock-directive'] = found.state;
  const streamOptions = body['stream_options'];
  const includeUsage = isObject(streamOptions) && streamOptions['include_usage'] === true;
  sendReply(ctx, res, plan, body['stream'] === true, headers, {
    errorBody: (status, failure) => (failure ? openaiFailureBody(failure) : openaiErrorBody(status)),
    frames: () => chunkFrames(plan, model, includeUsage),
    body: () => completionBody(plan, model),
  });
}

export function openaiUsage(plan: ReplyPlan): JsonObject {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: plan.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: plan.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function finishReason(plan: ReplyPlan): string {
  if (plan.toolCall !== undefined) return 'tool_calls';
  return plan.truncated ? 'length' : 'stop';
}

export function completionBody(plan: ReplyPlan, model: string): string {
  const call = plan.toolCall;
  const message =
    call === undefined
      ? { role: 'assistant', content: plan.textPieces?.join('') ?? replyText(plan.textTokens), refusal: null, annotations: [] }
      : {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: mockId('call_'), type: 'function', function: { name: call.name, arguments: call.argumentsJson } },
          ],
          refusal: null,
          annotations: [],
        };
  return JSON.stringify({
    id: mockId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(plan) }],
    usage: openaiUsage(plan),
    service_tier: plan.serviceTier,
    system_fingerprint: FINGERPRINT,
  });
}

/**
 * The whole chunk sequence. Every chunk shares one prefix and suffix, so a content chunk costs a string
 * concatenation rather than a JSON.stringify (reply words never need escaping).
 */
function chunkFrames(plan: ReplyPlan, model: string, includeUsage: boolean): SseFrame[] {
  const head =
    `data: {"id":"${mockId('chatcmpl-')}","object":"chat.completion.chunk",` +
    `"created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)},` +
    `"service_tier":${JSON.stringify(plan.serviceTier)},"system_fingerprint":"${FINGERPRINT}","choices":`;
  // With include_usage every chunk carries `usage: null` and one last chunk carries the real usage.
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const choice = (delta: string, finish: string | null): string =>
    `${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${tail}`;

  const frames: SseFrame[] = [];
  const call = plan.toolCall;
  if (call === undefined) {
    frames.push({ text: choice('{"role":"assistant","content":"","refusal":null}', null), tokens: 0 });
    if (plan.textPieces !== undefined) {
      for (const piece of plan.textPieces) frames.push({ text: choice(JSON.stringify({ content: piece }), null), tokens: 1 });
    } else {
      for (let i = 0; i < plan.textTokens; i++) {
        frames.push({ text: choice(`{"content":"${replyWord(i)}"}`, null), tokens: 1 });
      }
    }
  } else {
    const opening = {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: mockId('call_'), type: 'function', function: { name: call.name, arguments: '' } }],
      refusal: null,
    };
    frames.push({ text: choice(JSON.stringify(opening), null), tokens: 0 });
    for (const piece of argumentPieces(call.argumentsJson)) {
      const delta = { tool_calls: [{ index: 0, function: { arguments: piece } }] };
      frames.push({ text: choice(JSON.stringify(delta), null), tokens: 0 });
    }
  }
  frames.push({ text: choice('{}', finishReason(plan)), tokens: 0 });
  if (includeUsage) {
    frames.push({ text: `${head}[],"usage":${JSON.stringify(openaiUsage(plan))}}\n\n`, tokens: 0 });
  }
  frames.push({ text: 'data: [DONE]\n\n', tokens: 0 });
  return frames;
}
