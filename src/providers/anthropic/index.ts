/** The Anthropic Messages adapter. */
import type { Endpoint, PrepareInput, ProviderAdapter, UpstreamErrorInfo, UpstreamRequest } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { lastObjectAfterKey, obj, tierName, stringOrNull } from '../json-slice.js';
import { anthropicOutput } from '../output.js';
import { mergeAnthropicUsage } from './usage.js';
import { AnthropicStreamMeter } from './stream.js';

const DEFAULT_VERSION = '2023-06-01';

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * The usage object at the end of an answer, found once per answer: usageFromBody and serviceTierOf
 * both read it, one after the other (the last answer read is remembered, nothing more).
 */
let lastBody: Buffer | null = null;
let lastUsage: unknown = null;
function usageObject(body: Buffer): unknown {
  if (body !== lastBody) {
    lastUsage = lastObjectAfterKey(body, 'usage');
    lastBody = body;
  }
  return lastUsage;
}

export const anthropicAdapter: ProviderAdapter = {
  kind: 'anthropic',
  endpoints: ['messages'],

  prepare(input: PrepareInput, apiKey: string, basePath: string): UpstreamRequest {
    const { body } = input;
    const out =
      body['model'] === input.upstreamModel ? input.rawBody : JSON.stringify({ ...body, model: input.upstreamModel });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'anthropic-version': header(input.clientHeaders['anthropic-version']) ?? DEFAULT_VERSION,
    };
    const beta = header(input.clientHeaders['anthropic-beta']);
    if (beta) headers['anthropic-beta'] = beta;
    if (apiKey) headers['x-api-key'] = apiKey;
    return { path: `${basePath}/v1/messages`, headers, body: out };
  },

  usageFromBody(_endpoint: Endpoint, body: Buffer): TokenUsage | null {
    const usage = emptyUsage();
    if (mergeAnthropicUsage(usage, usageObject(body))) return usage;
    try {
      return mergeAnthropicUsage(usage, obj(JSON.parse(body.toString('utf8')))?.['usage']) ? usage : null;
    } catch {
      return null;
    }
  },

  /** Anthropic reports the tier inside usage (`usage.service_tier`), at the end of the body. */
  serviceTierOf(_endpoint: Endpoint, body: Buffer): string | null {
    return tierName(obj(usageObject(body))?.['service_tier']);
  },

  streamMeter() {
    return new AnthropicStreamMeter();
  },

  outputOf(_endpoint: Endpoint, body: Buffer) {
    return anthropicOutput(body);
  },

  /** `{"type":"error","error":{"type","message","details":{"error_code"}}}`: the code, when given, names the cause; no param. */
  parseError(body: Buffer): UpstreamErrorInfo {
    try {
      const err = obj(obj(JSON.parse(body.toString('utf8')))?.['error']);
      if (err && typeof err['message'] === 'string') {
        return { message: err['message'], type: stringOrNull(err['type']), code: stringOrNull(obj(err['details'])?.['error_code']), param: null };
      }
    } catch {
      // not JSON: fall through
    }
    return { message: body.toString('utf8', 0, Math.min(body.length, 500)), type: null, code: null, param: null };
  },
};
