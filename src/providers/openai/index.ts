/**
 * The OpenAI adapter; it also serves every OpenAI-compatible vendor (DeepSeek, OpenRouter, Groq,
 * Together, vLLM, Ollama): only base_url and key differ. Chat Completions, embeddings and the
 * Responses API (whose streams always end with usage, so nothing is injected for them).
 */
import type { Endpoint, PrepareInput, ProviderAdapter, UpstreamErrorInfo, UpstreamRequest } from '../types.js';
import type { TokenUsage } from '../../pricing/usage.js';
import { lastObjectAfterKey, obj, topLevelString, stringOrNull } from '../json-slice.js';
import { openaiOutput } from '../output.js';
import { convertOpenAIUsage, convertResponsesUsage, webSearchCalls } from './usage.js';
import { spliceField } from '../json-splice.js';
import { OpenAIStreamMeter } from './stream.js';
import { responsesOutput } from './responses-output.js';
import { ResponsesStreamMeter } from './responses-stream.js';

const WEB_SEARCH_CALL = Buffer.from('web_search_call');

const PATHS: Partial<Record<Endpoint, string>> = { chat: '/chat/completions', embeddings: '/embeddings', responses: '/responses' };

export const openaiAdapter: ProviderAdapter = {
  kind: 'openai',
  endpoints: ['chat', 'embeddings', 'responses'],

  prepare(input: PrepareInput, apiKey: string, basePath: string): UpstreamRequest {
    const { body } = input;
    const renamed = body['model'] !== input.upstreamModel;
    const so = obj(body['stream_options']);
    const needsUsage = input.stream && input.endpoint === 'chat' && so?.['include_usage'] !== true;
    let out: Buffer | string = input.rawBody;
    if (!renamed && needsUsage && !('stream_options' in body)) {
      out = spliceField(input.rawBody, 'stream_options', { include_usage: true }) ?? out;
    }
    if (renamed || (needsUsage && out === input.rawBody)) {
      const copy: Record<string, unknown> = { ...body, model: input.upstreamModel };
      if (needsUsage) copy['stream_options'] = { ...so, include_usage: true };
      out = JSON.stringify(copy);
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (apiKey) headers['authorization'] = `Bearer ${apiKey}`;
    return { path: basePath + (PATHS[input.endpoint] ?? '/chat/completions'), headers, body: out };
  },

  usageFromBody(endpoint: Endpoint, body: Buffer): TokenUsage | null {
    const convert = endpoint === 'responses' ? convertResponsesUsage : convertOpenAIUsage;
    let usage = convert(lastObjectAfterKey(body, 'usage'));
    // Web searches are output items of a Responses answer: the body is parsed only when it names one.
    const searched = endpoint === 'responses' && body.includes(WEB_SEARCH_CALL);
    if (!usage || searched) {
      try {
        const parsed = obj(JSON.parse(body.toString('utf8')));
        usage ??= convert(parsed?.['usage']);
        const searches = searched ? webSearchCalls(parsed?.['output']) : 0;
        if (usage && searches > 0) usage.webSearches = searches;
      } catch {
        // Not JSON: what the fast read found (or nothing).
      }
    }
    return usage;
  },

  /** `service_tier` is a top-level field of chat completions and of Responses API response objects. */
  serviceTierOf(_endpoint: Endpoint, body: Buffer): string | null {
    return topLevelString(body, 'service_tier');
  },

  streamMeter(clientWantsUsage: boolean, endpoint: Endpoint = 'chat') {
    return endpoint === 'responses' ? new ResponsesStreamMeter() : new OpenAIStreamMeter(clientWantsUsage);
  },

  outputOf(endpoint: Endpoint, body: Buffer) {
    return endpoint === 'responses' ? responsesOutput(body) : openaiOutput(body);
  },

  /** `{"error":{"message","type","param","code"}}` (some compatible vendors send a numeric code: kept as text). */
  parseError(body: Buffer): UpstreamErrorInfo {
    try {
      const err = obj(obj(JSON.parse(body.toString('utf8')))?.['error']);
      if (err && typeof err['message'] === 'string') {
        const code = typeof err['code'] === 'number' ? String(err['code']) : stringOrNull(err['code']);
        return { message: err['message'], type: stringOrNull(err['type']), code, param: stringOrNull(err['param']) };
      }
    } catch {
      // not JSON: fall through
    }
    return { message: body.toString('utf8', 0, Math.min(body.length, 500)), type: null, code: null, param: null };
  },
};
