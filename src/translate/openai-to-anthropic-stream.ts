/**
 * An OpenAI `chat.completion.chunk` stream -> an Anthropic Messages event stream, for an
 * Anthropic-shaped client. Stateful and pure: `push` takes upstream SSE text, returns client SSE text.
 *
 *   first chunk               -> message_start (usage 0: OpenAI reports the prompt only at the end)
 *   content / refusal         -> a text block (started on first text), one text_delta per chunk
 *   tool_calls[i] first seen  -> the open block stops, a tool_use block starts (next block index)
 *   tool_calls[i].arguments   -> input_json_delta on that call's block
 *   finish_reason             -> the open block stops; the stop reason is kept for the end
 *   usage chunk               -> kept for the end
 *   error                     -> an Anthropic error event; nothing follows it
 * `end()` adds message_delta (stop reason, usage) and message_stop.
 */
import { anthropicStopReason } from './finish-reason.js';
import { isObject, stringOr, type JsonObject } from './json-value.js';
import { anthropicMessageId } from './openai-to-anthropic-response.js';
import { eventJson, namedEvent, SseReader, type SseEvent, type SseInput } from './sse.js';
import { anthropicUsageFromOpenAI } from './token-usage.js';

export interface OpenAIToAnthropicStreamOptions {
  /** The model name to report; defaults to the one the first chunk reported. */
  model?: string;
  /** The model name to report when the first chunk reported none (else "unknown"). */
  defaultModel?: string;
  /** The message id; defaults to `msg_` + the upstream completion id. */
  id?: string;
}

export class OpenAIToAnthropicStream {
  private readonly reader = new SseReader();
  private started = false;
  private failed = false;
  private nextBlock = 0;
  /** The block deltas currently go to, and whether it is text. */
  private open: { index: number; text: boolean } | undefined;
  /** OpenAI tool_calls index -> Anthropic content block index. */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: unknown = null;
  private refused = false;
  private usage: unknown;

  constructor(private readonly opts: OpenAIToAnthropicStreamOptions = {}) {}

  /** Upstream SSE (text, or bytes straight from the upstream meter); returns client SSE text, maybe ''. */
  push(input: SseInput): string {
    return this.translateAll(this.reader.read(input));
  }

  private translateAll(events: SseEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.failed) break;
      const data = eventJson(event);
      // `[DONE]` (not JSON) carries nothing: end() closes the message.
      if (data !== undefined) out += this.translate(data);
    }
    return out;
  }

  end(): string {
    const last = this.translateAll(this.reader.flush());
    if (this.failed) return last;
    let out = last + this.start({}) + this.closeBlock();
    out += namedEvent({
      type: 'message_delta',
      delta: { stop_reason: anthropicStopReason(this.finishReason, this.refused), stop_sequence: null },
      usage: anthropicUsageFromOpenAI(this.usage),
    });
    return out + namedEvent({ type: 'message_stop' });
  }

  private translate(chunk: JsonObject): string {
    if (isObject(chunk['error'])) return this.error(chunk['error']);
    let out = this.start(chunk);
    if (isObject(chunk['usage'])) this.usage = chunk['usage'];
    const choices = chunk['choices'];
    const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice['delta']) ? choice['delta'] : {};
    out += this.text(stringOr(delta['content'], ''));
    const refusal = stringOr(delta['refusal'], '');
    if (refusal !== '') this.refused = true;
    out += this.text(refusal);
    // reasoning_content (some vendors): thinking the client did not ask for; its tokens stay in usage.
    if (Array.isArray(delta['tool_calls'])) for (const call of delta['tool_calls']) out += this.toolCall(call);
    if (choice['finish_reason'] !== null && choice['finish_reason'] !== undefined) {
      this.finishReason = choice['finish_reason'];
      out += this.closeBlock();
    }
    return out;
  }

  private start(chunk: JsonObject): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: this.opts.id ?? anthropicMessageId(stringOr(chunk['id'], 'unknown')),
      type: 'message',
      role: 'assistant',
      model: this.opts.model ?? stringOr(chunk['model'], this.opts.defaultModel ?? 'unknown'),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
    };
    return namedEvent({ type: 'message_start', message });
  }

  private text(text: string): string {
    if (text === '') return '';
    let out = '';
    if (this.open?.text !== true) out += this.openBlock({ type: 'text', text: '' }, true);
    const index = this.open?.index ?? 0;
    return out + namedEvent({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } });
  }

  private toolCall(call: unknown): string {
    if (!isObject(call) || typeof call['index'] !== 'number') return '';
    const fn = isObject(call['function']) ? call['function'] : {};
    let out = '';
    let index = this.toolBlocks.get(call['index']);
    if (index === undefined) {
      const block = { type: 'tool_use', id: stringOr(call['id'], ''), name: stringOr(fn['name'], ''), input: {} };
      out += this.openBlock(block, false);
      index = this.open?.index ?? 0;
      this.toolBlocks.set(call['index'], index);
    }
    const piece = stringOr(fn['arguments'], '');
    if (piece === '') return out;
    return out + namedEvent({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
  }

  private openBlock(block: JsonObject, text: boolean): string {
    const out = this.closeBlock();
    const index = this.nextBlock++;
    this.open = { index, text };
    return out + namedEvent({ type: 'content_block_start', index, content_block: block });
  }

  private closeBlock(): string {
    if (this.open === undefined) return '';
    const { index } = this.open;
    this.open = undefined;
    return namedEvent({ type: 'content_block_stop', index });
  }

  private error(raw: JsonObject): string {
    this.failed = true;
    const message = stringOr(raw['message'], 'The provider reported an error mid-stream.');
    const type = raw['type'] === 'rate_limit_error' ? 'rate_limit_error' : 'api_error';
    return namedEvent({ type: 'error', error: { type, message } });
  }
}
