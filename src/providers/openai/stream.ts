/**
 * Meter an OpenAI chat.completion.chunk stream. Tollgate always asks upstream for the usage chunk
 * (`choices: []`, `usage`, just before `[DONE]`); when the client did not ask for it, it is dropped.
 * Hot path: the provider's bytes are forwarded as they are; only the usage chunk is parsed; content
 * events are counted by a byte scan and kept, parsed only if Tollgate must estimate or the run guard
 * asks what the model said.
 */
import type { ModelOutput } from '../types.js';
import { obj } from '../json-slice.js';
import { openaiStreamOutput } from '../output.js';
import { eventData, hasNonEmpty } from '../sse-events.js';
import { FinalUsageMeter } from './final-usage-meter.js';
import { convertOpenAIUsage } from './usage.js';

const USAGE = Buffer.from('"usage":{');
const GENERATING = [Buffer.from('"content":"'), Buffer.from('"arguments":"'), Buffer.from('"reasoning_content":"')];

export class OpenAIStreamMeter extends FinalUsageMeter {
  constructor(private readonly forwardUsageChunk: boolean) {
    super();
  }

  push(chunk: Buffer): Buffer | null {
    const { events, whole } = this.sse.push(chunk);
    if (events.length === 0) return null;
    let kept: Buffer[] | null = null;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i]!;
      if (this.inspect(ev)) {
        kept?.push(ev);
      } else if (kept === null) {
        kept = events.slice(0, i);
      }
    }
    return kept === null ? whole : Buffer.concat(kept);
  }

  flush(): Buffer | null {
    const tail = this.sse.flush();
    return tail && this.inspect(tail) ? tail : null;
  }

  /** Returns whether the event is forwarded to the client. */
  private inspect(ev: Buffer): boolean {
    if (ev.indexOf(USAGE) >= 0) {
      const chunk = obj(eventData(ev));
      if (chunk?.['usage']) {
        this.usage = convertOpenAIUsage(chunk['usage']);
        const choices = chunk['choices'];
        // The usage-only chunk the client did not ask for.
        if (!this.forwardUsageChunk && Array.isArray(choices) && choices.length === 0) return false;
      }
      return true;
    }
    if (GENERATING.some((n) => hasNonEmpty(ev, n))) {
      this.deltas++;
      this.raw.push(ev);
    }
    return true;
  }

  protected parse(events: string[]): ModelOutput {
    return openaiStreamOutput(events);
  }
}
