/**
 * What the two OpenAI stream meters (Chat Completions and the Responses API) share: usage arrives
 * once, near the end; generating events are counted as they pass and kept as raw bytes, parsed into
 * text and tool calls only when Tollgate must estimate or the run guard asks what the model said.
 * An error event within the stream is parsed (it is rare) and remembered for the ledger.
 */
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { SseSplitter } from '../sse-events.js';
import { obj } from '../json-slice.js';

export abstract class FinalUsageMeter implements StreamMeter {
  protected readonly sse = new SseSplitter();
  /** The provider's final usage, once its event passed. */
  protected usage: TokenUsage | null = null;
  /** The service tier the usage event reported, if it did. */
  protected serviceTier: string | null = null;
  /** Generating events (and whatever else `parse` needs; the chat meter keeps every event), as received. */
  protected readonly raw: Buffer[] = [];
  protected deltas = 0;
  /** The type (or code) of an error the provider sent within the stream, after its 200. */
  protected errorType: string | null = null;

  abstract push(chunk: Buffer): Buffer | null;
  abstract flush(): Buffer | null;
  /** Text and tool calls of the kept events. */
  protected abstract parse(events: string[]): ModelOutput;

  metered(): MeteredUsage {
    return this.usage
      ? { usage: this.usage, complete: true, promptKnown: true, serviceTier: this.serviceTier }
      : { usage: emptyUsage(), complete: false, promptKnown: false, serviceTier: this.serviceTier };
  }

  generatedText(): string {
    const o = this.output();
    return o.text + o.toolCalls.map((t) => t.name + t.arguments).join('');
  }

  output(): ModelOutput {
    return this.parse(this.raw.map((b) => b.toString('utf8')));
  }

  upstreamError(): string | null {
    return this.errorType;
  }

  generatedDeltas(): number {
    return this.deltas;
  }

  generatedMoreThan(cap: number): boolean {
    return this.generatedDeltas() > cap;
  }
}

/** What names an error object (`{type, code, message}`): its type, else its code, else `fallback`. */
export function errorName(error: unknown, fallback: string): string {
  const e = obj(error);
  for (const k of ['type', 'code'] as const) {
    const v = e?.[k];
    if (typeof v === 'string' && v.length > 0) return v;
  }
  return fallback;
}
