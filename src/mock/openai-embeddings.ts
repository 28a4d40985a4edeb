/**
 * `POST /v1/embeddings`. Vectors are small and deterministic (derived from the input text), and
 * `encoding_format: "base64"` (the openai SDK's default) returns little-endian float32 bytes.
 * A directive in the last string input may set `status`, `prompt_tokens` or `first_byte_delay_ms`.
 */
import type { ServerResponse } from 'node:http';
import { injectedFailure, type MockContext } from './context.js';
import { findDirective } from './directive.js';
import { failureHeaders, openaiErrorBody, openaiFailureBody } from './error-bodies.js';
import { afterDelay, sendJson, type Headers } from './http-reply.js';
import { mockId } from './ids.js';
import { intField, type JsonObject } from './message-text.js';
import { planReply } from './reply-plan.js';
import { countTokens } from './token-count.js';

const DEFAULT_MODEL = 'text-embedding-3-small';
const MAX_DIMENSIONS = 4096;

/** The inputs as texts or token arrays; undefined when the shape is not one OpenAI accepts. */
function readInputs(input: unknown): (string | number[])[] | undefined {
  if (typeof input === 'string') return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((x): x is number => typeof x === 'number')) return [input];
  const out: (string | number[])[] = [];
  for (const item of input) {
    if (typeof item === 'string') out.push(item);
    else if (Array.isArray(item) && item.every((x): x is number => typeof x === 'number')) out.push(item);
    else return undefined;
  }
  return out;
}

export function handleEmbeddings(ctx: MockContext, res: ServerResponse, body: JsonObject): void {
  const headers: Headers = { 'x-request-id': mockId('req_') };
  const inputs = readInputs(body['input']);
  if (inputs === undefined) {
    sendJson(res, 400, headers, openaiErrorBody(400, "'input' must be a string or an array of strings or tokens."));
    return;
  }
  const last = inputs[inputs.length - 1];
  const found = findDirective(typeof last === 'string' ? last : undefined);
  if (found.state !== 'none') headers['x-mock-directive'] = found.state;
  let counted = 0;
  for (const item of inputs) counted += typeof item === 'string' ? countTokens(item) : item.length;
  const plan = planReply({
    countedPromptTokens: counted,
    directive: found.state === 'applied' ? found.directive : undefined,
    defaultTokens: 0,
    latencyMs: ctx.opts.latencyMs,
    chunkDelayMs: 0,
    maxTokens: undefined,
    hasTools: false,
  });
  const dimensions = Math.min(intField(body, 'dimensions') ?? ctx.opts.embeddingDimensions, MAX_DIMENSIONS);
  const base64 = body['encoding_format'] === 'base64';
  const model = typeof body['model'] === 'string' ? body['model'] : DEFAULT_MODEL;

  afterDelay(ctx, res, plan.firstByteDelayMs, () => {
    const status = plan.status ?? injectedFailure(ctx);
    if (status !== undefined) {
      if (plan.failure) sendJson(res, status, { ...headers, ...failureHeaders(plan.failure) }, openaiFailureBody(plan.failure));
      else sendJson(res, status, headers, openaiErrorBody(status));
      return;
    }
    const data = inputs.map((item, index) => {
      const vector = embed(typeof item === 'string' ? item : item.join(','), dimensions);
      const embedding = base64 ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
      return { object: 'embedding', index, embedding };
    });
    sendJson(res, 200, headers, JSON.stringify({
      object: 'list',
      data,
      model,
      usage: { prompt_tokens: plan.promptTokens, total_tokens: plan.promptTokens },
    }));
  });
}

/**
 * A unit-length vector seeded by an FNV-1a hash of the text: the same text always embeds the same way.
 * Float32Array is little-endian on every platform Node supports, which is what base64 needs.
 */
function embed(text: string, dimensions: number): Float32Array {
  let seed = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const vector = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; // LCG step
    const value = seed / 0x1_0000_0000 - 0.5;
    vector[i] = value;
    norm += value * value;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) vector[i] = (vector[i] ?? 0) * scale;
  return vector;
}
