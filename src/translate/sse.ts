/** Server-sent events as both APIs use them: reading complete events, writing them. */
import { isObject, type JsonObject } from './json-value.js';

export interface SseEvent {
  /** The `event:` name (Anthropic names every event; OpenAI names none). */
  event: string | undefined;
  /** The `data:` lines joined by newlines. */
  data: string;
}

/** Upstream input as the meters hand it over: text, bytes (cut anywhere, even inside a character), or nothing. */
export type SseInput = string | Uint8Array | null;

/**
 * Splits SSE text into events. Input may end in the middle of an event (or of a UTF-8 character):
 * the unfinished part is kept for the next call rather than misread.
 */
export class SseReader {
  private rest = '';
  private readonly decoder = new TextDecoder();

  read(input: SseInput): SseEvent[] {
    if (input === null) return [];
    const text = typeof input === 'string' ? input : this.decoder.decode(input, { stream: true });
    const buffer = (this.rest + text).replace(/\r\n?/g, '\n');
    const cut = buffer.lastIndexOf('\n\n');
    if (cut < 0) {
      this.rest = buffer;
      return [];
    }
    this.rest = buffer.slice(cut + 2);
    const events: SseEvent[] = [];
    for (const raw of buffer.slice(0, cut).split('\n\n')) {
      const event = parseEvent(raw);
      if (event !== undefined) events.push(event);
    }
    return events;
  }

  /** A last event the upstream did not terminate with a blank line. */
  flush(): SseEvent[] {
    const rest = this.rest + this.decoder.decode();
    this.rest = '';
    const event = parseEvent(rest.replace(/\r\n?/g, '\n'));
    return event === undefined ? [] : [event];
  }
}

function parseEvent(raw: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 && event === undefined ? undefined : { event, data: data.join('\n') };
}

/** The event's data as a JSON object, or undefined (e.g. OpenAI's `[DONE]`). */
export function eventJson(event: SseEvent): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(event.data);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An OpenAI stream event. */
export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** An Anthropic stream event: the name repeats the payload's `type`, as the SDKs require. */
export function namedEvent(payload: JsonObject & { type: string }): string {
  return `event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export const OPENAI_DONE = 'data: [DONE]\n\n';
