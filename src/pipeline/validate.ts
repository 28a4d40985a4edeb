/** Stage 2 — validate: parse the body and check the fields Tollgate relies on; the rest passes through. */
import { z } from 'zod';
import { GatewayError } from '../errors.js';
import type { Endpoint } from '../providers/types.js';
import type { CallContext } from './context.js';
import { findJsonError } from './json-syntax.js';

/**
 * The largest output bound accepted. No model writes near this many tokens in one answer, and the
 * bound keeps a call's worst-case cost (tokens x price x choices) an exact integer of nano-dollars.
 */
export const MAX_OUTPUT_TOKENS = 10_000_000;
const outputBound = () => z.number().int().positive().max(MAX_OUTPUT_TOKENS);
/** Choices per chat call at most (OpenAI's own bound): a call's worst case multiplies by it. */
export const MAX_CHOICES = 128;

const chatSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: outputBound().nullish(),
  max_completion_tokens: outputBound().nullish(),
  n: z.number().int().positive().max(MAX_CHOICES).nullish(),
});

const messagesSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.unknown()).min(1),
  max_tokens: outputBound(),
  stream: z.boolean().nullish(),
});

const embeddingsSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]),
});

/** OpenAI Responses API: `input` is text or a list of items; it may be absent when a stored prompt or conversation supplies it. */
const responsesSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.unknown())]).optional(),
  instructions: z.union([z.string(), z.array(z.unknown())]).nullish(),
  max_output_tokens: outputBound().nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.unknown()).nullish(),
  previous_response_id: z.string().nullish(),
  store: z.boolean().nullish(),
  // A background response answers at once and is generated later: its usage never passes through Tollgate.
  background: z.literal(false, { error: 'background responses are not supported: their usage never reaches Tollgate' }).nullish(),
});

const SCHEMAS: Record<Endpoint, z.ZodType<Record<string, unknown>>> = {
  chat: chatSchema,
  messages: messagesSchema,
  embeddings: embeddingsSchema,
  responses: responsesSchema,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const absentOr = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || v === null || ok(v);
const isBool = (v: unknown): boolean => typeof v === 'boolean';
/** What outputBound() accepts (integers from 1 to MAX_OUTPUT_TOKENS). */
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) > 0 && (v as number) <= MAX_OUTPUT_TOKENS;
const hasPrompt = (b: Record<string, unknown>): boolean => typeof b['model'] === 'string' && b['model'].length > 0 && Array.isArray(b['messages']) && b['messages'].length > 0;

/**
 * Checks that accept only bodies their schema accepts, so the common well-formed call skips zod;
 * a body they do not pass goes through the schema, which accepts it or words the error.
 */
const QUICK: Partial<Record<Endpoint, (b: Record<string, unknown>) => boolean>> = {
  chat: (b) =>
    hasPrompt(b) &&
    absentOr(b['stream'], isBool) &&
    absentOr(b['stream_options'], (o) => isObject(o) && (o['include_usage'] === undefined || isBool(o['include_usage']))) &&
    absentOr(b['max_tokens'], isCount) &&
    absentOr(b['max_completion_tokens'], isCount) &&
    absentOr(b['n'], (n) => Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= MAX_CHOICES),
  messages: (b) => hasPrompt(b) && isCount(b['max_tokens']) && absentOr(b['stream'], isBool),
};

/** Anthropic's token counting: a Messages request without an output bound. */
const countTokensSchema = z.looseObject({ model: z.string().min(1), messages: z.array(z.unknown()).min(1) });

function parseJson(raw: Buffer): unknown {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body, which may hold a secret: say where it breaks, not what is there.
    const e = findJsonError(text);
    const where = e ? `: ${e.problem} at position ${e.position} (line ${e.line}, column ${e.column})` : '';
    throw new GatewayError('invalid_json', `Request body is not valid JSON${where}.`, e ? { details: { position: e.position } } : undefined);
  }
}

/** A /v1/messages/count_tokens body, parsed and checked as a call's body is. */
export function validateCountTokens(raw: Buffer): Record<string, unknown> & { model: string } {
  return checked(countTokensSchema, parseJson(raw)) as Record<string, unknown> & { model: string };
}

export function validate(ctx: CallContext): void {
  const parsed = parseJson(ctx.rawBody);
  const quick = QUICK[ctx.endpoint];
  const body = isObject(parsed) && quick?.(parsed) ? parsed : checked(SCHEMAS[ctx.endpoint], parsed);
  ctx.body = body;
  ctx.stream = body['stream'] === true;
  const so = body['stream_options'] as { include_usage?: boolean } | null | undefined;
  ctx.clientWantsUsage = so?.include_usage === true;
}

function checked(schema: z.ZodType<Record<string, unknown>>, parsed: unknown): Record<string, unknown> {
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new GatewayError('invalid_request', `Invalid request: ${where}: ${issue?.message ?? 'invalid'}`, {
      details: { param: where },
    });
  }
  return result.data;
}
