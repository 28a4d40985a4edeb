/**
 * Meter an Anthropic Messages stream: message_start carries the prompt side of usage, message_delta
 * the cumulative output_tokens. Every byte is forwarded as is.
 */
import { StringDecoder } from 'node:string_decoder';
import type { MeteredUsage, ModelOutput, StreamMeter } from '../types.js';
import { emptyUsage } from '../../pricing/usage.js';
import { obj, splitEvents } from '../json-slice.js';
import { mergeAnthropicUsage } from './usage.js';

export class AnthropicStreamMeter implements StreamMeter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';
  private readonly usage = emptyUsage();
  private started = false;
  private finished = false;
  private text = '';
  private body = '';
  private readonly tools = new Map<number, { name: string; arguments: string }>();
  private deltas = 0;

  push(chunk: Buffer): string {
    const [events, rest] = splitEvents(this.rest + this.decoder.write(chunk));
    this.rest = rest;
    let out = '';
    for (const ev of events) {
      this.inspect(ev);
      out += ev;
    }
    return out;
  }

  flush(): string {
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    if (tail) this.inspect(tail);
    return tail;
  }

  private inspect(ev: string): void {
    const at = ev.indexOf('data:');
    if (at < 0) return;
    let data: Record<string, unknown> | undefined;
    try {
      data = obj(JSON.parse(ev.slice(at + 5)));
    } catch {
      return;
    }
    if (!data) return;
    switch (data['type']) {
      case 'message_start':
        this.started = mergeAnthropicUsage(this.usage, obj(data['message'])?.['usage']) || this.started;
        break;
      case 'content_block_start': {
        const block = obj(data['content_block']);
        if (block?.['type'] === 'tool_use' && typeof block['name'] === 'string' && typeof data['index'] === 'number') {
          this.tools.set(data['index'], { name: block['name'], arguments: '' });
        }
        break;
      }
      case 'content_block_delta': {
        this.deltas++;
        const d = obj(data['delta']);
        for (const k of ['text', 'partial_json', 'thinking'] as const) {
          const v = d?.[k];
          if (typeof v === 'string') this.text += v;
        }
        if (typeof d?.['text'] === 'string') this.body += d['text'];
        const tool = typeof data['index'] === 'number' ? this.tools.get(data['index']) : undefined;
        if (tool && typeof d?.['partial_json'] === 'string') tool.arguments += d['partial_json'];
        break;
      }
      case 'message_delta':
        this.finished = mergeAnthropicUsage(this.usage, data['usage']) || this.finished;
        break;
      default:
        break;
    }
  }

  metered(): MeteredUsage {
    return { usage: { ...this.usage }, complete: this.finished, promptKnown: this.started };
  }

  generatedText(): string {
    return this.text;
  }

  output(): ModelOutput {
    return { text: this.body, toolCalls: [...this.tools.values()] };
  }

  generatedDeltas(): number {
    return this.deltas;
  }
}
