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
  const n = Math.min(Math.max(intField(body, 'n') ?? 1, 1), MAX_CHOICES);
  sendReply(ctx, res, plan, body['stream'] === true, headers, {
    errorBody: (status, failure) => (failure ? openaiFailureBody(failure) : openaiErrorBody(status)),
    frames: () => chunkFrames(plan, model, includeUsage, n),
    body: () => completionBody(plan, model, n),
    // What OpenAI sends when generation fails after the 200: an error object where a chunk would be.
    errorEvent: () => `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null } })}\n\n`,
  });
}

/** `n` choices (each its own reply); the mock caps it. */
const MAX_CHOICES = 8;

/** `choices`: usage counts the completion tokens of every choice, as OpenAI does for `n` > 1. */
export function openaiUsage(plan: ReplyPlan, choices = 1): JsonObject {
  const completion = plan.completionTokens * choices;
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: completion,
    total_tokens: plan.promptTokens + completion,
    prompt_tokens_details: { cached_tokens: plan.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: plan.reasoningTokens * choices,
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

/** Choice `k`'s text: the reply words shifted by `k`, so the choices differ. */
function choiceText(plan: ReplyPlan, k: number): string {
  return plan.textPieces?.join('') ?? replyText(plan.textTokens, k);
}

export function completionBody(plan: ReplyPlan, model: string, n = 1): string {
  const call = plan.toolCall;
  const choices = [];
  for (let k = 0; k < n; k++) {
    const message =
      call === undefined
        ? { role: 'assistant', content: choiceText(plan, k), refusal: null, annotations: [] }
        : {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: mockId('call_'), type: 'function', function: { name: call.name, arguments: call.argumentsJson } },
            ],
            refusal: null,
            annotations: [],
          };
    choices.push({ index: k, message, logprobs: null, finish_reason: finishReason(plan) });
  }
  return JSON.stringify({
    id: mockId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices,
    usage: openaiUsage(plan, n),
    service_tier: plan.serviceTier,
    system_fingerprint: FINGERPRINT,
  });
}

type ChoiceChunk = (index: number, delta: string, finish: string | null) => string;

/**
 * The whole chunk sequence; with `n` > 1 the choices' chunks interleave, as OpenAI's do. Every chunk
 * shares one prefix and suffix, so a content chunk costs a string concatenation rather than a
 * JSON.stringify (reply words never need escaping).
 */
function chunkFrames(plan: ReplyPlan, model: string, includeUsage: boolean, n: number): SseFrame[] {
  const head =
    `data: {"id":"${mockId('chatcmpl-')}","object":"chat.completion.chunk",` +
    `"created":${Math.floor(Date.now() / 1000)},"model":${JSON.stringify(model)},` +
    `"service_tier":${JSON.stringify(plan.serviceTier)},"system_fingerprint":"${FINGERPRINT}","choices":`;
  // With include_usage every chunk carries `usage: null` and one last chunk carries the real usage.
  const tail = includeUsage ? ',"usage":null}\n\n' : '}\n\n';
  const choice: ChoiceChunk = (index, delta, finish) =>
    `${head}[{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]${tail}`;

  const perChoice: SseFrame[][] = [];
  for (let k = 0; k < n; k++) perChoice.push(choiceFrames(plan, choice, k));
  const frames: SseFrame[] = [];
  const longest = Math.max(...perChoice.map((f) => f.length));
  for (let i = 0; i < longest; i++) for (const f of perChoice) if (i < f.length) frames.push(f[i]!);
  if (includeUsage) {
    frames.push({ text: `${head}[],"usage":${JSON.stringify(openaiUsage(plan, n))}}\n\n`, tokens: 0 });
  }
  frames.push({ text: 'data: [DONE]\n\n', tokens: 0 });
  return frames;
}

/** One choice's chunks, from its role chunk to its finish chunk. */
function choiceFrames(plan: ReplyPlan, choice: ChoiceChunk, k: number): SseFrame[] {
  const frames: SseFrame[] = [];
  const call = plan.toolCall;
  if (call === undefined) {
    frames.push({ text: choice(k, '{"role":"assistant","content":"","refusal":null}', null), tokens: 0 });
    if (plan.textPieces !== undefined) {
      for (const piece of plan.textPieces) frames.push({ text: choice(k, JSON.stringify({ content: piece }), null), tokens: 1 });
    } else {
      for (let i = 0; i < plan.textTokens; i++) {
        frames.push({ text: choice(k, `{"content":"${replyWord(i, k)}"}`, null), tokens: 1 });
      }
    }
  } else {
    const opening = {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id: mockId('call_'), type: 'function', function: { name: call.name, arguments: '' } }],
      refusal: null,
    };
    frames.push({ text: choice(k, JSON.stringify(opening), null), tokens: 0 });
    for (const piece of argumentPieces(call.argumentsJson)) {
      const delta = { tool_calls: [{ index: 0, function: { arguments: piece } }] };
      frames.push({ text: choice(k, JSON.stringify(delta), null), tokens: 0 });
    }
  }
  frames.push({ text: choice(k, '{}', finishReason(plan)), tokens: 0 });
  return frames;
}
