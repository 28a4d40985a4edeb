/**
 * Meter a Responses API stream (`POST /v1/responses` with `stream: true`). Usage arrives in the
 * terminal event (`response.completed`, or `response.incomplete` / `response.failed`) as
 * `response.usage`; every event is forwarded untouched (there is no usage chunk to hide and no
 * `[DONE]`). Hot path as for chat: only the terminal event is parsed; generating events (non-empty
 * `delta`s) are counted by a byte scan and kept with the tool-call announcements, parsed only when
 * Tollgate must estimate or the run guard asks what the model said.
 */
import type { ModelOutput, ResponsesStreamPosition } from '../types.js';
import { obj } from '../json-slice.js';
import { eventData, hasNonEmpty } from '../sse-events.js';
import { FinalUsageMeter } from './final-usage-meter.js';
import { responsesStreamOutput } from './responses-output.js';
import { convertResponsesUsage } from './usage.js';

const USAGE = Buffer.from('"usage":{');
const DELTA = Buffer.from('"delta":"');
const ITEM_ADDED = Buffer.from('"response.output_item.added"');
const CREATED = Buffer.from('"response.created"');
const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const SEQUENCE = /"sequence_number"\s*:\s*(\d+)/;

export class ResponsesStreamMeter extends FinalUsageMeter {
  private created: Buffer | null = null;
  private last: Buffer | null = null;
  /** The last event before the latest push, for a stream cut that drops what that push brought. */
  private beforePush: Buffer | null = null;

  push(chunk: Buffer): Buffer | null {
    this.beforePush = this.last;
    const { events, whole } = this.sse.push(chunk);
    if (events.length === 0) return null;
    for (const ev of events) this.inspect(ev);
    return whole;
  }

  flush(): Buffer | null {
    const tail = this.sse.flush();
    if (tail) this.inspect(tail);
    return tail;
  }

  private inspect(ev: Buffer): void {
    this.last = ev;
    if (hasNonEmpty(ev, DELTA)) {
      this.deltas++;
      this.raw.push(ev);
    } else if (ev.indexOf(ITEM_ADDED) >= 0) {
      this.raw.push(ev);
    } else if (this.created === null && ev.indexOf(CREATED) >= 0) {
      this.created = ev;
    } else if (ev.indexOf(USAGE) >= 0) {
      const data = obj(eventData(ev));
      if (TERMINAL.has(String(data?.['type']))) this.usage = convertResponsesUsage(obj(data?.['response'])?.['usage']) ?? this.usage;
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
