/**
 * Meter an OpenAI chat.completion.chunk stream. Tollgate always asks upstream for the usage chunk
 * (`choices: []`, `usage`, just before `[DONE]`); when the client did not ask for it, it is dropped.
 * Hot path: only the usage chunk is parsed; content chunks are counted by a cheap scan and kept
 * as raw text, parsed only if the stream ends without usage and Tollgate must estimate.
 */
import { StringDecoder } from 'node:string_decoder';
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { obj, splitEvents } from '../json-slice.js';
import { convertOpenAIUsage } from './usage.js';
import { openaiStreamOutput } from '../output.js';

/** A delta that carries generated text or tool arguments (not the role chunk, not the finish chunk). */
const GENERATES = /"(?:content|reasoning_content|arguments)":"(?:[^"\\]|\\.)/;

export class OpenAIStreamMeter implements StreamMeter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private usage: TokenUsage | null = null;
  private readonly raw: string[] = [];
  private deltas = 0;

  constructor(private readonly forwardUsageChunk: boolean) {}

  push(chunk: Buffer): string {
    const [events, rest] = splitEvents(this.rest + this.decoder.write(chunk));
    this.rest = rest;
    if (events.length === 0) return '';
    if (events.length === 1) return this.inspect(events[0]!) ? events[0]! : '';
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
    if (ev.includes('"usage":{')) {
      const at = ev.indexOf('data:');
      let chunk: Record<string, unknown> | undefined;
      try {
        chunk = obj(JSON.parse(ev.slice(at + 5)));
      } catch {
        return true;
      }
      if (chunk?.['usage']) {
        this.usage = convertOpenAIUsage(chunk['usage']);
        const choices = chunk['choices'];
        // The usage-only chunk the client did not ask for.
        if (!this.forwardUsageChunk && Array.isArray(choices) && choices.length === 0) return false;
      }
    }
    if (GENERATES.test(ev)) {
      this.deltas++;
      this.raw.push(ev);
    }
    return true;
  }

  metered(): MeteredUsage {
    return this.usage
      ? { usage: this.usage, complete: true, promptKnown: true }
      : { usage: emptyUsage(), complete: false, promptKnown: false };
  }

  generatedText(): string {
    const o = this.output();
    return o.text + o.toolCalls.map((t) => t.name + t.arguments).join('');
  }

  output(): ModelOutput {
    return openaiStreamOutput(this.raw);
  }

  generatedDeltas(): number {
    return this.deltas;
  }
}
