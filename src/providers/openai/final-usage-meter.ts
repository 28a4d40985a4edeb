/**
 * What the two OpenAI stream meters (Chat Completions and the Responses API) share: usage arrives
 * once, near the end; generating events are counted as they pass and kept as raw bytes, parsed into
 * text and tool calls only when Tollgate must estimate or the run guard asks what the model said.
 */
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage, type TokenUsage } from '../../pricing/usage.js';
import { SseSplitter } from '../sse-events.js';

export abstract class FinalUsageMeter implements StreamMeter {
  protected readonly sse = new SseSplitter();
  /** The provider's final usage, once its event passed. */
  protected usage: TokenUsage | null = null;
  /** The service tier the usage event reported, if it did. */
  protected serviceTier: string | null = null;
  /** Generating events (and whatever else `parse` needs), as received. */
  protected readonly raw: Buffer[] = [];
  protected deltas = 0;

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

  generatedDeltas(): number {
    return this.deltas;
  }
}
