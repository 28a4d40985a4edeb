/** Golden fixtures for the translation tests, and checks that a stream is valid in its format. */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

const DIR = new URL('./__fixtures__/', import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

export function fixtureJson(name: string): Record<string, unknown> {
  return JSON.parse(fixtureText(name)) as Record<string, unknown>;
}

/** SSE text as complete events, each with its terminating blank line. */
export function sseEvents(text: string): string[] {
  return text.split(/(?<=\n\n)/).filter((event) => event.trim() !== '');
}

interface Translator {
  push(text: string): string;
  end(): string;
}

/** Feed a stream fixture event by event, as the gateway's meter hands them over. */
export function translateEvents(translator: Translator, events: string[]): string[] {
  let out = '';
  for (const event of events) out += translator.push(event);
  return sseEvents(out + translator.end());
}

function dataOf(event: string): string {
  const line = event.split('\n').find((l) => l.startsWith('data: '));
  expect(line, `no data line in ${event}`).toBeDefined();
  return (line ?? '').slice('data: '.length);
}

type Json = Record<string, unknown>;

/** Every chunk is a chat.completion.chunk of one id; tool call indices count up from 0; [DONE] ends it. */
export function expectValidOpenAIStream(events: string[]): void {
  expect(events.at(-1)).toBe('data: [DONE]\n\n');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(dataOf(e)) as Json);
  expect(chunks.length).toBeGreaterThan(0);
  const ids = new Set(chunks.map((c) => c['id']));
  expect(ids.size).toBe(1);
  let finishes = 0;
  let calls = 0;
  for (const chunk of chunks) {
    expect(chunk['object']).toBe('chat.completion.chunk');
    expect(typeof chunk['created']).toBe('number');
    const choices = chunk['choices'] as Json[];
    if (choices.length === 0) {
      expect(chunk['usage']).toBeTypeOf('object');
      expect(chunk).toBe(chunks.at(-1));
      continue;
    }
    const choice = choices[0] as Json;
    if (choice['finish_reason'] !== null) finishes++;
    const delta = choice['delta'] as Json;
    for (const call of (delta['tool_calls'] ?? []) as Json[]) {
      if (call['index'] === calls) {
        expect(call['id'], 'a new tool call carries its id').toBeTypeOf('string');
        expect((call['function'] as Json)['name']).toBeTypeOf('string');
        calls++;
      } else {
        expect(call['index']).toBeLessThan(calls);
      }
    }
  }
  expect(finishes).toBe(1);
}

/** message_start, blocks (start, deltas, stop; one open at a time, indices 0..n), message_delta, message_stop. */
export function expectValidAnthropicStream(events: string[]): void {
  const parsed = events.map((event) => {
    const name = /^event: (.+)$/m.exec(event)?.[1];
    const data = JSON.parse(dataOf(event)) as Json;
    expect(name, 'the event name repeats the data type').toBe(data['type']);
    return data;
  });
  const types = parsed.map((d) => d['type']);
  expect(types[0]).toBe('message_start');
  expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
  let open: number | undefined;
  let next = 0;
  for (const data of parsed.slice(1, -2)) {
    const index = data['index'];
    switch (data['type']) {
      case 'content_block_start':
        expect(open).toBeUndefined();
        expect(index).toBe(next++);
        open = index as number;
        break;
      case 'content_block_delta':
        expect(index).toBe(open);
        break;
      case 'content_block_stop':
        expect(index).toBe(open);
        open = undefined;
        break;
      default:
        expect(data['type']).toBe('ping');
    }
  }
  expect(open).toBeUndefined();
  const delta = parsed.at(-2) as Json;
  expect((delta['usage'] as Json)['output_tokens']).toBeTypeOf('number');
}
