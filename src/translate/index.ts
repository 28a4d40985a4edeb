/** Cross-format translation between the OpenAI Chat Completions and Anthropic Messages wire formats. */
export { toAnthropicRequest, type ToAnthropicRequestOptions } from './openai-to-anthropic-request.js';
export { toOpenAIRequest, type ToOpenAIRequestOptions } from './anthropic-to-openai-request.js';
export { toOpenAIResponse, openaiCompletionId, type ToOpenAIResponseOptions } from './anthropic-to-openai-response.js';
export { toAnthropicResponse, anthropicMessageId, type ToAnthropicResponseOptions } from './openai-to-anthropic-response.js';
export { AnthropicToOpenAIStream, type AnthropicToOpenAIStreamOptions } from './anthropic-to-openai-stream.js';
export { OpenAIToAnthropicStream, type OpenAIToAnthropicStreamOptions } from './openai-to-anthropic-stream.js';
export { openaiFinishReason, anthropicStopReason } from './finish-reason.js';
export { openaiUsageFromAnthropic, anthropicUsageFromOpenAI } from './token-usage.js';
export type { SseInput } from './sse.js';
export { clientErrorFields, type ClientErrorFields } from './error-shapes.js';
