/**
 * What the two OpenAI stream meters (Chat Completions and the Responses API) share: usage arrives
 * once, near the end; events that may generate are kept as raw bytes as they pass, counted only
 * when a stream nears the output its reservation covers, and parsed into text and tool calls only
 * when Tollgate must estimate or the run guard asks what the model said. An error event within the
 * stream is parsed (it is rare) and remembered for the ledger.
 */
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { type EventNeedles, markEventsAll, SseSplitter } from '../sse-events.js';
import { obj } from '../json-slice.js';

/** Reused by generatedDeltas, which looks at one event at a time (synchronously). */
const ONE_EVENT: Buffer[] = [];
const ONE_MARK = new Uint8Array(1);

export abstract class FinalUsageMeter implements StreamMeter {
  protected readonly sse = new SseSplitter();
  /** The provider's final usage, once its event passed. */
  protected usage: TokenUsage | null = null;
  /** The service tier the usage event reported, if it did. */
  protected serviceTier: string | null = null;
  /** Every event that may generate (and whatever else `parse` needs), as received. */
  protected readonly raw: Buffer[] = [];
  /** Generating events among the first `counted` of `raw`. */
  private deltas = 0;
  private counted = 0;
  /** The type (or code) of an error the provider sent within the stream, after its 200. */
  protected errorType: string | null = null;

  /** `generating`: what makes a kept event a generating one (bit 1 of its marks). */
  constructor(private readonly generating: EventNeedles) {}

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

  /** Generating events so far, each counted once. */
  generatedDeltas(): number {
    const raw = this.raw;
    for (; this.counted < raw.length; this.counted++) {
      const ev = raw[this.counted]!;
      ONE_EVENT[0] = ev;
      ONE_MARK[0] = 0;
      markEventsAll(ev, ONE_EVENT, this.generating, ONE_MARK);
      if (ONE_MARK[0]! & 1) this.deltas++;
    }
    return this.deltas;
  }

  /** Every generating event is kept: while the kept events are within `cap`, nothing needs counting. */
  generatedMoreThan(cap: number): boolean {
    return this.raw.length > cap && this.generatedDeltas() > cap;
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
