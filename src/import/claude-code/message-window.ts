/**
 * Claude Code writes one streamed message as several lines (one per content block) with the same
 * message id and growing `output_tokens`. The window keeps, per message, the fullest line seen; it
 * holds only messages still "open" (lines of one message are written close together), evicting the
 * oldest when full, so memory stays bounded however large a file is. A line arriving for a message
 * already evicted yields a second row with the same id, which the ledger ignores.
 */
import type { UsageLine } from './transcript-line.js';

export interface MessageCall {
  key: string;
  /** The fullest line: its usage is the message's usage. */
  best: UsageLine;
  firstAt: number;
  lastAt: number;
  lines: number;
}

/** message id + request id; message id alone when the request id is missing; else the line's uuid. */
export function messageKey(l: UsageLine): string | null {
  if (l.messageId !== null) return l.requestId !== null ? `${l.messageId}:${l.requestId}` : l.messageId;
  return l.uuid !== null ? `line:${l.uuid}` : null;
}

function fuller(a: UsageLine, b: UsageLine): boolean {
  if (a.usage.output !== b.usage.output) return a.usage.output > b.usage.output;
  const pa = a.usage.input + a.usage.cachedInput + a.usage.cacheWrite5m + a.usage.cacheWrite1h;
  const pb = b.usage.input + b.usage.cachedInput + b.usage.cacheWrite5m + b.usage.cacheWrite1h;
  return pa >= pb; // ties: the later line
}

export class MessageWindow {
  private readonly open = new Map<string, MessageCall>();
  /** Lines merged into a message already open (the partial lines of streamed messages). */
  merged = 0;

  constructor(private readonly limit = 4_096) {}

  /** Add a line; returns the message evicted to make room, if any. */
  add(key: string, line: UsageLine): MessageCall | null {
    const m = this.open.get(key);
    if (m) {
      this.merged++;
      m.lines++;
      if (fuller(line, m.best)) m.best = line;
      if (line.timestamp < m.firstAt) m.firstAt = line.timestamp;
      if (line.timestamp > m.lastAt) m.lastAt = line.timestamp;
      return null;
    }
    let evicted: MessageCall | null = null;
    if (this.open.size >= this.limit) {
      const [oldestKey, oldest] = this.open.entries().next().value as [string, MessageCall];
      this.open.delete(oldestKey);
      evicted = oldest;
    }
    this.open.set(key, { key, best: line, firstAt: line.timestamp, lastAt: line.timestamp, lines: 1 });
    return evicted;
  }

  /** Every open message, oldest first; the window is empty afterwards. */
  drain(): MessageCall[] {
    const all = [...this.open.values()];
    this.open.clear();
    return all;
  }
}
