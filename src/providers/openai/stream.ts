/**
 * Meter an OpenAI chat.completion.chunk stream. Tollgate always asks upstream for the usage chunk
 * (`choices: []`, `usage`, just before `[DONE]`); when the client did not ask for it, it is dropped.
 * Hot path: the provider's bytes are forwarded as they are; only the usage chunk is parsed; content
 * events are counted by a byte scan and kept, parsed only if Tollgate must estimate or the run guard
 * asks what the model said.
 */
import type { ModelOutput } from '../types.js';
import { obj, tierName } from '../json-slice.js';
import { openaiStreamOutput } from '../output.js';
import { clearedMarks, eventData, eventMarks, EventNeedles, markEventsAll } from '../sse-events.js';
import { errorName, FinalUsageMeter } from './final-usage-meter.js';
import { convertOpenAIUsage } from './usage.js';

const USAGE = Buffer.from('"usage":{');
const GENERATING = [Buffer.from('"content":"'), Buffer.from('"arguments":"'), Buffer.from('"reasoning_content":"')];
/** An error within the stream (`data: {"error":{...}}`): the HTTP status was 200 already. */
const ERROR = Buffer.from('"error":{');
const HAS_USAGE = 1;
const GENERATES = 2;
const FAILS = 4;
/** A push's searches in one pass over its bytes. */
const NEEDLES = new EventNeedles([
  { bytes: USAGE, nonEmpty: false, bit: HAS_USAGE },
  ...GENERATING.map((bytes) => ({ bytes, nonEmpty: true, bit: GENERATES })),
  { bytes: ERROR, nonEmpty: false, bit: FAILS },
]);

export class OpenAIStreamMeter extends FinalUsageMeter {
  constructor(private readonly forwardUsageChunk: boolean) {
    super();
  }

  push(chunk: Buffer): Buffer | null {
    const { events, whole } = this.sse.push(chunk);
    const n = events.length;
    if (n === 0) return null;
    const marks = (this.marks = clearedMarks(this.marks, n));
    markEventsAll(whole, events, NEEDLES, marks);
    let kept: Buffer[] | null = null;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!;
      if (this.take(ev, marks[i]!)) {
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

  /** What markEvents found in each event of a push, reused from push to push. */
  private marks: Uint8Array = new Uint8Array(32);

  /** Returns whether the event is forwarded to the client. */
  private inspect(ev: Buffer): boolean {
    return this.take(ev, eventMarks(ev, NEEDLES));
  }

  /**
   * `m`: what the event holds (HAS_USAGE, GENERATES, FAILS); returns whether it is forwarded to the client.
   * Some OpenAI-compatible servers send usage on chunks that also carry content (the last one, or
   * every one): such a chunk is counted and kept as generating too.
   */
  private take(ev: Buffer, m: number): boolean {
    if (m & HAS_USAGE) {
      const chunk = obj(eventData(ev));
      if (chunk?.['usage']) {
        this.usage = convertOpenAIUsage(chunk['usage']);
        // Every chunk names the tier; the usage chunk, parsed anyway, is where it is read.
        this.serviceTier = tierName(chunk['service_tier']) ?? this.serviceTier;
        const choices = chunk['choices'];
        // The usage-only chunk the client did not ask for.
        if (!this.forwardUsageChunk && Array.isArray(choices) && choices.length === 0) return false;
      }
    }
    if (m & GENERATES) {
      this.deltas++;
      this.raw.push(ev);
    }
    // Forwarded as it came; the needle also matches an object nested deeper, so the event is parsed.
    if (m & FAILS) {
      const error = obj(eventData(ev))?.['error'];
      if (obj(error)) this.errorType = errorName(error, 'error');
    }
    return true;
  }

  protected parse(events: string[]): ModelOutput {
    return openaiStreamOutput(events);
  }
}
