/**
 * The corpus format (eval/guard/corpus.jsonl, one run per line) and how a call's full request is
 * rebuilt from it. Conversations are stored incrementally: a call that `continues` an earlier call
 * sends that call's messages, that call's reply as an assistant message, then its own `messages`.
 * This keeps a 200-call session with a growing history small on disk while replay sends the real,
 * growing request.
 */
import { z } from 'zod';

const toolCallSchema = z.object({ name: z.string(), arguments: z.string() }).strict();

const messageSchema = z
  .object({
    role: z.enum(['system', 'user', 'assistant', 'tool']),
    content: z.string().nullable(),
    tool_call_id: z.string().optional(),
  })
  .strict();

/** What the mock model answers, scripted through its `[[mock:{...}]]` directive. */
const replySchema = z
  .object({
    text: z.string().optional(),
    tool_call: toolCallSchema.optional(),
    /** The upstream fails with this status. */
    status: z.number().int().min(400).max(599).optional(),
    /** A streamed reply cut after this many tokens (a connection reset, no status). */
    error_after_tokens: z.number().int().min(0).optional(),
  })
  .strict();

const callSchema = z
  .object({
    at_ms: z.number().int().min(0),
    duration_ms: z.number().int().min(1),
    agent: z.string().nullable(),
    /** Index of the call that spawned this one (sent as x-tollgate-parent). */
    parent: z.number().int().min(0).nullable(),
    continues: z.number().int().min(0).nullable(),
    messages: z.array(messageSchema),
    tools: z.array(z.string()).optional(),
    stream: z.boolean().optional(),
    reply: replySchema,
  })
  .strict();

export const runSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    label: z.enum(['loop', 'healthy']),
    /** Index of the first call of the loop (null for healthy runs). */
    onset: z.number().int().min(0).nullable(),
    description: z.string(),
    calls: z.array(callSchema).min(1),
  })
  .strict();

export type CorpusMessage = z.infer<typeof messageSchema>;
export type CorpusReply = z.infer<typeof replySchema>;
export type CorpusCall = z.infer<typeof callSchema>;
export type CorpusRun = z.infer<typeof runSchema>;

export function parseCorpus(text: string): CorpusRun[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const parsed = runSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`corpus line ${i + 1}: ${parsed.error.message}`);
      return parsed.data;
    });
}

export function toolCallId(index: number): string {
  return `tc_${index}`;
}

export type ChatMessage = Record<string, unknown>;

/** The assistant message a call's reply becomes in the conversation that continues it. */
export function assistantMessage(index: number, reply: CorpusReply): ChatMessage {
  if (reply.tool_call) {
    return {
      role: 'assistant',
      content: reply.text ?? null,
      tool_calls: [{ id: toolCallId(index), type: 'function', function: { name: reply.tool_call.name, arguments: reply.tool_call.arguments } }],
    };
  }
  return { role: 'assistant', content: reply.text ?? '' };
}

/** The full message list of every call of a run (shared prefixes are shared arrays' elements). */
export function conversations(run: CorpusRun): ChatMessage[][] {
  const out: ChatMessage[][] = [];
  run.calls.forEach((call, i) => {
    const prefix: ChatMessage[] = [];
    if (call.continues !== null) {
      const earlier = out[call.continues];
      const from = run.calls[call.continues];
      if (earlier === undefined || from === undefined || call.continues >= i) throw new Error(`${run.id}: call ${i} continues a later call`);
      prefix.push(...earlier, assistantMessage(call.continues, from.reply));
    }
    out.push([...prefix, ...call.messages.map((m) => ({ ...m }))]);
  });
  return out;
}

export function toolDefinitions(names: readonly string[]): unknown[] {
  return names.map((name) => ({
    type: 'function',
    function: { name, description: `The ${name} tool.`, parameters: { type: 'object', additionalProperties: true } },
  }));
}

/** The request body as a client sends it (without the mock directive). */
export function requestBody(call: CorpusCall, messages: ChatMessage[], model: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages };
  if (call.tools && call.tools.length > 0) body['tools'] = toolDefinitions(call.tools);
  if (call.stream) body['stream'] = true;
  return body;
}

/** Prices of the eval model (per million tokens), the same in both replay modes. */
export const PRICE = { input_per_mtok: 1.25, output_per_mtok: 10 };
export const EVAL_MODEL = 'test-gpt';

export interface CallUsage {
  promptTokens: number;
  outputTokens: number;
  costNanos: number;
}

/** Tokens and cost of a call: about 4 bytes a token; failed calls bill nothing, cut streams what was sent. */
export function usageOf(call: CorpusCall, promptBytes: number): CallUsage {
  const r = call.reply;
  if (r.status !== undefined) return { promptTokens: 0, outputTokens: 0, costNanos: 0 };
  const promptTokens = Math.ceil(promptBytes / 4);
  let outputTokens = Math.ceil((r.text ?? '').length / 4);
  if (r.tool_call) outputTokens += 8 + Math.ceil((r.tool_call.name.length + r.tool_call.arguments.length) / 4);
  if (r.error_after_tokens !== undefined) outputTokens = Math.min(outputTokens, r.error_after_tokens);
  const costNanos = Math.round(promptTokens * PRICE.input_per_mtok * 1000 + outputTokens * PRICE.output_per_mtok * 1000);
  return { promptTokens, outputTokens, costNanos };
}
