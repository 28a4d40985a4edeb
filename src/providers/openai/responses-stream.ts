/**
 * Meter a Responses API stream (`POST /v1/responses` with `stream: true`). Usage arrives in the
 * terminal event (`response.completed`, or `response.incomplete` / `response.failed`) as
 * `response.usage`; every event is forwarded untouched (there is no usage chunk to hide and no
 * `[DONE]`). Hot path as for chat: only the terminal event is parsed; generating events (non-empty
 * `delta`s) are kept with the tool-call announcements, counted only when a stream nears its
 * reservation's output cap, parsed only when Tollgate must estimate or the run guard asks what the
 * model said.
 */
import type { ModelOutput, ResponsesStreamPosition } from '../types.js';
import { obj, tierName } from '../json-slice.js';
import { clearedMarks, eventData, eventMarks, eventName, EventNeedles, markEventsAll } from '../sse-events.js';
import { errorName, FinalUsageMeter } from './final-usage-meter.js';
import { responsesStreamOutput } from './responses-output.js';
import { convertResponsesUsage, webSearchCalls } from './usage.js';

const USAGE = Buffer.from('"usage":{');
const DELTA = Buffer.from('"delta":"');
const ITEM_ADDED = Buffer.from('"response.output_item.added"');
const CREATED = Buffer.from('"response.created"');
/** The stream's ways to fail after its 200: a `response.failed` terminal event, or an `error` event. */
const FAILED = Buffer.from('"type":"response.failed"');
const ERROR = Buffer.from('"type":"error"');
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;
const GENERATES = 1;
const ADDS_ITEM = 2;
const CREATES = 4;
const HAS_USAGE = 8;
const FAILS = 16;
/** A push's searches in one pass over its bytes; `response.created` only until it was seen. */
const NEEDLES = new EventNeedles([
  { bytes: DELTA, nonEmpty: true, bit: GENERATES },
  { bytes: ITEM_ADDED, nonEmpty: false, bit: ADDS_ITEM },
  { bytes: USAGE, nonEmpty: false, bit: HAS_USAGE },
  { bytes: FAILED, nonEmpty: false, bit: FAILS },
  { bytes: ERROR, nonEmpty: false, bit: FAILS },
]);
const NEEDLES_UNTIL_CREATED = new EventNeedles([...NEEDLES.list, { bytes: CREATED, nonEmpty: false, bit: CREATES }]);

/** What an event's name says it is; the names that end in `.delta` generate (when their delta is not empty). */
const NAME_BITS = new Map<string, number>([
  ['response.output_item.added', ADDS_ITEM],
  ['response.created', CREATES],
  ['response.completed', HAS_USAGE],
  ['response.incomplete', HAS_USAGE],
  ['response.failed', FAILS],
  ['error', FAILS],
]);
/** Whether a kept event holds a non-empty delta, looked for only when the count of them is asked for. */
const DELTA_NEEDLES = new EventNeedles([{ bytes: DELTA, nonEmpty: true, bit: 1 }]);

export class ResponsesStreamMeter extends FinalUsageMeter {
  constructor() {
    super(DELTA_NEEDLES);
  }

  private created: Buffer | null = null;
  private last: Buffer | null = null;
  /** The last event before the latest push, for a stream cut that drops what that push brought. */
  private beforePush: Buffer | null = null;
  /** What markEvents found in each event of a push, reused from push to push. */
  private marks: Uint8Array = new Uint8Array(32);

  /** Events are told apart by their `event:` name, and by a search of their data only when they come without one. */
  push(chunk: Buffer): Buffer | null {
    this.beforePush = this.last;
    const { events, whole } = this.sse.push(chunk);
    const n = events.length;
    if (n === 0) return null;
    let marks: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!;
      const named = this.namedBits(ev);
      if (named >= 0) {
        this.take(ev, named);
        continue;
      }
      if (marks === null) {
        marks = this.marks = clearedMarks(this.marks, n);
        markEventsAll(whole, events, this.created === null ? NEEDLES_UNTIL_CREATED : NEEDLES, marks);
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
    const named = this.namedBits(ev);
    this.take(ev, named >= 0 ? named : eventMarks(ev, this.created === null ? NEEDLES_UNTIL_CREATED : NEEDLES));
  }

  /** The bits of an event that begins with its `event:` line, -1 for one that does not. */
  private namedBits(ev: Buffer): number {
    const name = eventName(ev);
    if (name === null) return -1;
    if (name.endsWith('.delta')) return GENERATES;
    const bits = NAME_BITS.get(name) ?? 0;
    return bits === CREATES && this.created !== null ? 0 : bits;
  }

  /**
   * `m`: what the event is (by its name) or holds (by markEvents). Generating events are kept, and
   * counted only when the count is asked for (an empty delta does not count).
   */
  private take(ev: Buffer, m: number): void {
    this.last = ev;
    if (m & (GENERATES | ADDS_ITEM)) {
      this.raw.push(ev);
    } else if (this.created === null && m & CREATES) {
      this.created = ev;
    } else if (m & (HAS_USAGE | FAILS)) {
      const data = obj(eventData(ev));
      const type = String(data?.['type']);
      const response = obj(data?.['response']);
      if (TERMINAL.has(type)) {
        this.usage = convertResponsesUsage(response?.['usage']) ?? this.usage;
        const searches = webSearchCalls(response?.['output']);
        if (this.usage && searches > 0) this.usage.webSearches = searches;
        this.serviceTier = tierName(response?.['service_tier']) ?? this.serviceTier;
      }
      // `response.error` is {code, message}; an `error` event carries its code at the top (or an `error` object).
      if (type === 'response.failed') this.errorType = errorName(response?.['error'], type);
      else if (type === 'error') this.errorType = errorName(data?.['error'] ?? { code: data?.['code'] }, type);
    }
  }

  protected parse(events: string[]): ModelOutput {
    return responsesStreamOutput(events);
  }

  /** Parsed only when Tollgate has to end the stream with its own events. */
  position(dropLatest: boolean): ResponsesStreamPosition {
    const last = dropLatest ? this.beforePush : this.last;
    const seq = last ? SEQUENCE.exec(last.toString('utf8')) : null;
    const created = this.created ? obj(eventData(this.created)) : undefined;
    return { sequence: seq ? Number(seq[1]) : -1, response: obj(created?.['response']) ?? null };
  }
}
