/**
 * Meter an OpenAI chat.completion.chunk stream. Tollgate always asks upstream for the usage chunk
 * (`choices: []`, `usage`, just before `[DONE]`); when the client did not ask for it, it is dropped,
 * and so is the `"usage":null` that asking puts on every other chunk (OpenAI sends no usage key to a
 * client that did not ask): spliced out of the bytes, not re-serialised.
 * Hot path: the provider's bytes are forwarded as they are; only the usage chunk is parsed; events
 * are kept as they came, counted (generating or not) only when a stream nears the output its
 * reservation covers, parsed only if Tollgate must estimate or the run guard asks what the model said.
 */
import type { ModelOutput } from '../types.js';
import { obj, tierName } from '../json-slice.js';
import { openaiStreamOutput } from '../output.js';
import { clearedMarks, eventData, EventNeedles, markEvents, markMember } from '../sse-events.js';
import { dropNullMember } from '../json-splice.js';
import { errorName, FinalUsageMeter } from './final-usage-meter.js';
import { convertOpenAIUsage } from './usage.js';

const GENERATING = [Buffer.from('"content":"'), Buffer.from('"arguments":"'), Buffer.from('"reasoning_content":"')];
/** An error within the stream (`data: {"error":{...}}`): the HTTP status was 200 already. */
const ERROR = Buffer.from('"error":{');
const USAGE_KEY = Buffer.from('"usage"');
/** The usage member (for markMember): an object on the usage chunk, null on every other chunk once upstream was asked for usage. */
const USAGE_MEMBER = Buffer.from('usage"');
const HAS_USAGE = 1;
const FAILS = 2;
const HAS_NULL_USAGE = 4;
/** What makes an event a generating one, looked for only when the count of them is asked for. */
const GENERATING_NEEDLES = new EventNeedles(GENERATING.map((bytes) => ({ bytes, nonEmpty: true, bit: 1 })));

export class OpenAIStreamMeter extends FinalUsageMeter {
  constructor(private readonly forwardUsageChunk: boolean) {
    super(GENERATING_NEEDLES);
  }

  /**
   * Per read, two native searches find the few events that matter (the usage chunk, an error, the
   * `"usage":null` to drop); generating events are not looked for as they pass: every event is kept,
   * and how many generate is counted only when asked (see generatedMoreThan).
   */
  push(chunk: Buffer): Buffer | null {
    const { events, whole } = this.sse.push(chunk);
    const n = events.length;
    if (n === 0) return null;
    const marks = (this.marks = clearedMarks(this.marks, n));
    markMember(whole, events, USAGE_MEMBER, marks, HAS_USAGE, HAS_NULL_USAGE);
    markEvents(whole, events, ERROR, false, marks, FAILS);
    let kept: Buffer[] | null = null;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!;
      this.raw.push(ev);
      const out = marks[i] === 0 ? ev : this.take(ev, marks[i]!);
      if (out === ev) {
        kept?.push(ev);
      } else {
        kept ??= events.slice(0, i);
        if (out) kept.push(out);
      }
    }
    if (kept === null) return whole;
    // One event a read is the common case: its spliced copy goes out as it is.
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept);
  }

  flush(): Buffer | null {
    const tail = this.sse.flush();
    if (!tail) return null;
    this.raw.push(tail);
    const marks = new Uint8Array(1);
    markMember(tail, [tail], USAGE_MEMBER, marks, HAS_USAGE, HAS_NULL_USAGE);
    markEvents(tail, [tail], ERROR, false, marks, FAILS);
    return this.take(tail, marks[0]!);
  }

  /** What the usage and error searches found in each event of a push, reused from push to push. */
  private marks: Uint8Array = new Uint8Array(32);
  /**
   * `m`: what the event holds (HAS_USAGE, FAILS, HAS_NULL_USAGE); returns what of it is forwarded to
   * the client: the event itself, the event without its `"usage":null`, or null. Some
   * OpenAI-compatible servers send usage on chunks that also carry content (the last one, or every
   * one): such a chunk is counted as generating too.
   */
  private take(ev: Buffer, m: number): Buffer | null {
    if (m & HAS_USAGE) {
      const chunk = obj(eventData(ev));
      if (chunk?.['usage']) {
        this.usage = convertOpenAIUsage(chunk['usage']);
        // Every chunk names the tier; the usage chunk, parsed anyway, is where it is read.
        this.serviceTier = tierName(chunk['service_tier']) ?? this.serviceTier;
        const choices = chunk['choices'];
        // The usage-only chunk the client did not ask for.
        if (!this.forwardUsageChunk && Array.isArray(choices) && choices.length === 0) return null;
      }
    }
    // Forwarded as it came; the needle also matches an object nested deeper, so the event is parsed.
    if (m & FAILS) {
      const error = obj(eventData(ev))?.['error'];
      if (obj(error)) this.errorType = errorName(error, 'error');
    }
    if ((m & HAS_NULL_USAGE) !== 0 && !this.forwardUsageChunk) return dropNullMember(ev, USAGE_KEY) ?? ev;
    return ev;
  }

  protected parse(events: string[]): ModelOutput {
    return openaiStreamOutput(events);
  }
}
