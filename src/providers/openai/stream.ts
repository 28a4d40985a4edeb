/**
 * Meter an OpenAI chat.completion.chunk stream. Tollgate always asks upstream for the usage chunk
 * (`choices: []`, `usage`, just before `[DONE]`); when the client did not ask for it, it is dropped.
 */
import { StringDecoder } from 'node:string_decoder';
import type { MeteredUsage, StreamMeter } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { obj, splitEvents } from '../json-slice.js';
import { convertOpenAIUsage } from './usage.js';

export class OpenAIStreamMeter implements StreamMeter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private usage: TokenUsage | null = null;
  private text = '';
  private deltas = 0;

  constructor(private readonly forwardUsageChunk: boolean) {}

  push(chunk: Buffer): string {
    const [events, rest] = splitEvents(this.rest + this.decoder.write(chunk));
    this.rest = rest;
    if (events.length === 0) return '';
    let out = '';
    for (const ev of events) if (this.inspect(ev)) out += ev;
    return out;
  }

  flush(): string {
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    return tail.length > 0 && this.inspect(tail) ? tail : '';
  }

  /** Returns whether the event is forwarded to the client. */
  private inspect(ev: string): boolean {
    const at = ev.indexOf('data:');
    if (at < 0) return true;
    const data = ev.slice(at + 5).trim();
    if (data === '[DONE]' || data[0] !== '{') return true;
    let chunk: Record<string, unknown> | undefined;
    try {
      chunk = obj(JSON.parse(data));
    } catch {
      return true;
    }
    if (!chunk) return true;
    const choices = chunk['choices'];
    if (Array.isArray(choices)) {
      for (const c of choices) {
        const delta = obj(obj(c)?.['delta']);
        if (!delta) continue;
        const before = this.text.length;
        if (typeof delta['content'] === 'string') this.text += delta['content'];
        if (typeof delta['reasoning_content'] === 'string') this.text += delta['reasoning_content'];
        const calls = delta['tool_calls'];
        if (Array.isArray(calls)) {
          for (const call of calls) {
            const fn = obj(obj(call)?.['function']);
            if (typeof fn?.['name'] === 'string') this.text += fn['name'];
            if (typeof fn?.['arguments'] === 'string') this.text += fn['arguments'];
          }
        }
        // Only deltas that carry generated text count (not the role chunk or the finish chunk).
        if (this.text.length > before) this.deltas++;
      }
    }
    if (chunk['usage'] !== null && chunk['usage'] !== undefined) {
      this.usage = convertOpenAIUsage(chunk['usage']);
      // The usage-only chunk the client did not ask for.
      if (!this.forwardUsageChunk && Array.isArray(choices) && choices.length === 0) return false;
    }
    return true;
  }

  metered(): MeteredUsage {
    return this.usage
      ? { usage: this.usage, complete: true, promptKnown: true }
      : { usage: emptyUsage(), complete: false, promptKnown: false };
  }

  generatedText(): string {
    return this.text;
  }

  generatedDeltas(): number {
    return this.deltas;
  }
}
