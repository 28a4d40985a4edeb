/**
 * An Anthropic Messages event stream -> an OpenAI `chat.completion.chunk` stream, for an OpenAI-shaped
 * client. Stateful and pure: `push` takes upstream SSE text, returns client SSE text (maybe empty).
 *
 *   message_start             -> the role chunk
 *   text_delta                -> one content chunk each
 *   tool_use block start      -> a tool_calls chunk with id and name (index = the call's ordinal)
 *   input_json_delta          -> a tool_calls arguments chunk on that index
 *   message_delta             -> the finish_reason chunk
 *   error                     -> an OpenAI error event; nothing follows it
 *   thinking, signature, ping, block stops, message_stop -> nothing
 * `end()` adds the usage chunk (when the client asked for it) and `[DONE]`.
 */
import { openaiFinishReason } from './finish-reason.js';
import { isObject, isUnset, stringOr, type JsonObject } from './json-value.js';
import { openaiCompletionId } from './anthropic-to-openai-response.js';
import { dataEvent, eventJson, OPENAI_DONE, SseReader, type SseEvent, type SseInput } from './sse.js';
import { openaiUsageFromAnthropic } from './token-usage.js';

export interface AnthropicToOpenAIStreamOptions {
  /** Unix seconds, from the gateway's clock; every chunk carries it. */
  created: number;
  /** The client's `stream_options.include_usage`. */
  includeUsage: boolean;
  /** The model name to report; defaults to the one message_start reported. */
  model?: string;
  /** The model name to report when message_start reported none (else "unknown"). */
  defaultModel?: string;
  /** The completion id; defaults to `chatcmpl-` + the upstream message id. */
  id?: string;
}

export class AnthropicToOpenAIStream {
  private readonly reader = new SseReader();
  private id: string;
  private model: string;
  private started = false;
  private failed = false;
  /** Anthropic content block index -> OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  /** message_start's usage, overwritten by message_delta's cumulative counts. */
  private readonly usage: JsonObject = {};

  constructor(private readonly opts: AnthropicToOpenAIStreamOptions) {
    this.id = opts.id ?? openaiCompletionId('unknown');
    this.model = opts.model ?? opts.defaultModel ?? 'unknown';
  }

  /** Upstream SSE (text, or bytes straight from the upstream meter); returns client SSE text, maybe ''. */
  push(input: SseInput): string {
    return this.translateAll(this.reader.read(input));
  }

  private translateAll(events: SseEvent[]): string {
    let out = '';
    for (const event of events) {
      if (this.failed) break;
      const data = eventJson(event);
      if (data !== undefined) out += this.translate(data);
    }
    return out;
  }

  end(): string {
    const last = this.translateAll(this.reader.flush());
    if (this.failed) return last;
    let out = last + this.start({});
    if (this.opts.includeUsage) {
      out += dataEvent({ ...this.base(), choices: [], usage: openaiUsageFromAnthropic(this.usage) });
    }
    return out + OPENAI_DONE;
  }

  private translate(data: JsonObject): string {
    switch (data['type']) {
      case 'message_start':
        return this.start(isObject(data['message']) ? data['message'] : {});
      case 'content_block_start':
        return this.blockStart(data);
      case 'content_block_delta':
        return this.blockDelta(data);
      case 'message_delta':
        return this.messageDelta(data);
      case 'error':
        return this.error(data);
      default:
        // ping, content_block_stop, message_stop: nothing to say in OpenAI's format.
        return '';
    }
  }

  private start(message: JsonObject): string {
    if (this.started) return '';
    this.started = true;
    if (this.opts.id === undefined && typeof message['id'] === 'string') this.id = openaiCompletionId(message['id']);
    if (this.opts.model === undefined) this.model = stringOr(message['model'], this.model);
    this.mergeUsage(message['usage']);
    return this.chunk({ role: 'assistant', content: '' }, null);
  }

  private blockStart(data: JsonObject): string {
    const block = data['content_block'];
    const index = data['index'];
    if (!isObject(block) || typeof index !== 'number') return '';
    if (block['type'] === 'text') {
      const text = stringOr(block['text'], '');
      return text === '' ? '' : this.chunk({ content: text }, null);
    }
    if (block['type'] !== 'tool_use') return '';
    const ordinal = this.toolIndex.size;
    this.toolIndex.set(index, ordinal);
    const call = {
      index: ordinal,
      id: stringOr(block['id'], ''),
      type: 'function',
      function: { name: stringOr(block['name'], ''), arguments: '' },
    };
    return this.chunk({ tool_calls: [call] }, null);
  }

  private blockDelta(data: JsonObject): string {
    const delta = data['delta'];
    if (!isObject(delta)) return '';
    if (delta['type'] === 'text_delta') {
      const text = stringOr(delta['text'], '');
      return text === '' ? '' : this.chunk({ content: text }, null);
    }
    if (delta['type'] === 'input_json_delta') {
      const ordinal = typeof data['index'] === 'number' ? this.toolIndex.get(data['index']) : undefined;
      const piece = stringOr(delta['partial_json'], '');
      if (ordinal === undefined || piece === '') return '';
      return this.chunk({ tool_calls: [{ index: ordinal, function: { arguments: piece } }] }, null);
    }
    // thinking_delta, signature_delta, citations_delta: not part of an OpenAI reply.
    return '';
  }

  private messageDelta(data: JsonObject): string {
    this.mergeUsage(data['usage']);
    const delta = isObject(data['delta']) ? data['delta'] : {};
    return this.chunk({}, openaiFinishReason(delta['stop_reason']));
  }

  private error(data: JsonObject): string {
    this.failed = true;
    const err = isObject(data['error']) ? data['error'] : {};
    const type = stringOr(err['type'], 'api_error');
    const message = stringOr(err['message'], 'The provider reported an error mid-stream.');
    return dataEvent({ error: { message, type, param: null, code: type } });
  }

  private mergeUsage(raw: unknown): void {
    if (!isObject(raw)) return;
    for (const [key, value] of Object.entries(raw)) if (!isUnset(value)) this.usage[key] = value;
  }

  private base(): JsonObject {
    return { id: this.id, object: 'chat.completion.chunk', created: this.opts.created, model: this.model };
  }

  private chunk(delta: JsonObject, finishReason: string | null): string {
    const chunk: JsonObject = { ...this.base(), choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
    // With include_usage, OpenAI puts `usage: null` on every chunk but the last.
    if (this.opts.includeUsage) chunk['usage'] = null;
    return dataEvent(chunk);
  }
}
