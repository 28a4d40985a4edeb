/**
 * Meter an Anthropic Messages stream: message_start carries the prompt side of usage, message_delta
 * the cumulative output_tokens. The provider's bytes are forwarded as they are (whole events); only message_start,
 * message_delta and tool_use block starts are parsed on the way; content deltas are counted and kept,
 * parsed only on demand (estimates, the run guard). Events are told apart by their `event:` name,
 * as the SDKs do, and by a search of their data only when they come without one.
 */
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage } from '../../pricing/usage.js';
import { obj, tierName } from '../json-slice.js';
import { clearedMarks, eventData, eventMarks, eventName, EventNeedles, markEventsAll, SseSplitter } from '../sse-events.js';
import { mergeAnthropicUsage } from './usage.js';

const T_START = Buffer.from('"type":"message_start"');
const T_DELTA = Buffer.from('"type":"message_delta"');
const T_BLOCK_START = Buffer.from('"type":"content_block_start"');
const T_BLOCK_DELTA = Buffer.from('"type":"content_block_delta"');
/** An error event mid-stream (overloaded_error, api_error): the HTTP status was 200 already. */
const T_ERROR = Buffer.from('"type":"error"');
/** What an event holds, by priority (an event is taken for the first of these it contains). */
const NEEDLES = new EventNeedles(
  (
    [
      [T_BLOCK_DELTA, 1],
      [T_START, 2],
      [T_DELTA, 4],
      [T_BLOCK_START, 8],
      [T_ERROR, 16],
    ] as const
  ).map(([bytes, bit]) => ({ bytes, nonEmpty: false, bit })),
);

/** The same, by the event's name: what the SDKs go by (an event of another name they skip). */
const NAME_BITS = new Map<string, number>([
  ['content_block_delta', 1],
  ['message_start', 2],
  ['message_delta', 4],
  ['content_block_start', 8],
  ['error', 16],
]);
/**
 * The NEEDLES bit of an event that begins with its `event:` line (Anthropic's own framing); 0 for
 * the names nothing is read from (ping, content_block_stop, message_stop), -1 without a name.
 */
function namedBits(ev: Buffer): number {
  const name = eventName(ev);
  return name === null ? -1 : (NAME_BITS.get(name) ?? 0);
}

export class AnthropicStreamMeter implements StreamMeter {
  private readonly sse = new SseSplitter();
  private readonly usage = emptyUsage();
  private started = false;
  /** `usage.service_tier` of message_start (or of a message_delta that repeats it). */
  private serviceTier: string | null = null;
  private finished = false;
  private errorType: string | null = null;
  private deltas = 0;
  /** content_block_start (tool_use) and content_block_delta events, in order, parsed on demand. */
  private readonly raw: Buffer[] = [];
  /** What markEvents found in each event of a push, reused from push to push. */
  private marks: Uint8Array = new Uint8Array(32);

  /** Forwards whole events only, so an error event Tollgate may append never lands mid-event. */
  push(chunk: Buffer): Buffer | null {
    const { events, whole } = this.sse.push(chunk);
    const n = events.length;
    if (n === 0) return null;
    let marks: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!;
      const named = namedBits(ev);
      if (named >= 0) {
        this.take(ev, named);
        continue;
      }
      // An event without an `event:` line first (some compatible servers): what its data holds.
      if (marks === null) {
        marks = this.marks = clearedMarks(this.marks, n);
        markEventsAll(whole, events, NEEDLES, marks);
      }
      this.take(ev, marks[i]!);
    }
    return whole;
  }

  flush(): Buffer | null {
    const tail = this.sse.flush();
    if (tail) this.inspect(tail);
    return tail;
  }

  private inspect(ev: Buffer): void {
    const named = namedBits(ev);
    this.take(ev, named >= 0 ? named : eventMarks(ev, NEEDLES));
  }

  /** `m`: the NEEDLES the event contains. */
  private take(ev: Buffer, m: number): void {
    if (m & 1) {
      this.deltas++;
      this.raw.push(ev);
    } else if (m & 2) {
      const usage = obj(obj(obj(eventData(ev))?.['message'])?.['usage']);
      this.started = mergeAnthropicUsage(this.usage, usage) || this.started;
      this.serviceTier = tierName(usage?.['service_tier']) ?? this.serviceTier;
    } else if (m & 4) {
      const usage = obj(obj(eventData(ev))?.['usage']);
      this.finished = mergeAnthropicUsage(this.usage, usage) || this.finished;
      this.serviceTier = tierName(usage?.['service_tier']) ?? this.serviceTier;
    } else if (m & 8) {
      this.raw.push(ev);
    } else if (m & 16) {
      const data = obj(eventData(ev));
      // The needle also matches a nested object of that type; only the event's own type counts.
      if (data?.['type'] === 'error') {
        const e = obj(data['error']);
        this.errorType = typeof e?.['type'] === 'string' ? e['type'] : 'error';
      }
    }
  }

  upstreamError(): string | null {
    return this.errorType;
  }

  metered(): MeteredUsage {
    return { usage: { ...this.usage }, complete: this.finished, promptKnown: this.started, serviceTier: this.serviceTier };
  }

  generatedText(): string {
    const o = this.parse();
    return o.all;
  }

  output(): ModelOutput {
    const o = this.parse();
    return { text: o.text, toolCalls: o.toolCalls };
  }

  private parse(): { text: string; all: string; toolCalls: { name: string; arguments: string }[] } {
    let text = '';
    let all = '';
    const tools = new Map<number, { name: string; arguments: string }>();
    for (const ev of this.raw) {
      const data = obj(eventData(ev));
      const index = typeof data?.['index'] === 'number' ? data['index'] : -1;
      if (data?.['type'] === 'content_block_start') {
        const block = obj(data['content_block']);
        if (block?.['type'] === 'tool_use' && typeof block['name'] === 'string') tools.set(index, { name: block['name'], arguments: '' });
        continue;
      }
      const d = obj(data?.['delta']);
      for (const k of ['text', 'partial_json', 'thinking'] as const) {
        const v = d?.[k];
        if (typeof v === 'string') all += v;
      }
      if (typeof d?.['text'] === 'string') text += d['text'];
      const tool = tools.get(index);
      if (tool && typeof d?.['partial_json'] === 'string') tool.arguments += d['partial_json'];
    }
    return { text, all, toolCalls: [...tools.values()] };
  }

  generatedDeltas(): number {
    return this.deltas;
  }

  generatedMoreThan(cap: number): boolean {
    return this.deltas > cap;
  }
}
