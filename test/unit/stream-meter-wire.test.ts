/**
 * The stream meters against wire variants real servers send: JSON with blanks after its colons
 * (Python's json.dumps, as vLLM-style OpenAI-compatible servers write it) and error events inside a
 * 200 stream. Every stream is fed whole, byte by byte and in random pieces.
 */
import { describe, expect, it } from 'vitest';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream.js';
import { ResponsesStreamMeter } from '../../src/providers/openai/responses-stream.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream.js';
import type { StreamMeter } from '../../src/providers/types.js';

/** JSON as Python's json.dumps writes it: `", "` between members and `": "` after keys. */
function spaced(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(spaced).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${spaced(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

const data = (o: unknown, sp = true): string => `data: ${sp ? spaced(o) : JSON.stringify(o)}\n\n`;
const event = (o: { type: string }, sp = true): string => `event: ${o.type}\n${data(o, sp)}`;

/** Ways to cut a stream into reads: whole, byte by byte, and seeded random pieces. */
function splits(text: string): Buffer[][] {
  const bytes = Buffer.from(text);
  const out: Buffer[][] = [[bytes], [...bytes].map((b) => Buffer.from([b]))];
  let s = 7;
  for (let round = 0; round < 20; round++) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; ) {
      s = (s * 1664525 + 1013904223) >>> 0;
      const n = 1 + (s % 90);
      pieces.push(bytes.subarray(i, i + n));
      i += n;
    }
    out.push(pieces);
  }
  return out;
}

function feed(meter: StreamMeter, pieces: Buffer[]): string {
  const out: Buffer[] = [];
  for (const p of pieces) {
    const o = meter.push(p);
    if (o) out.push(o);
  }
  const tail = meter.flush();
  if (tail) out.push(tail);
  return Buffer.concat(out).toString();
}

const chunk = (delta: object, finish: string | null = null): object => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  model: 'm',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const usage = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 10 } };

describe('stream meters read JSON with blanks around its colons', () => {
  const usageChunk = data({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'm', choices: [], usage });
  const chat =
    data(chunk({ role: 'assistant', content: '' })) +
    data(chunk({ content: 'Hello' })) +
    data(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"q": 1}' } }] })) +
    data(chunk({ reasoning_content: 'hmm' })) +
    data(chunk({}, 'stop')) +
    usageChunk +
    'data: [DONE]\n\n';

  it('OpenAI chat: finds the usage chunk, drops it when the client did not ask for it, counts deltas', () => {
    expect(chat).toContain('"usage": {');
    for (const pieces of splits(chat)) {
      for (const forward of [false, true]) {
        const m = new OpenAIStreamMeter(forward);
        expect(feed(m, pieces)).toBe(forward ? chat : chat.replace(usageChunk, ''));
        expect(m.metered()).toMatchObject({ complete: true, usage: { input: 80, cachedInput: 20, output: 40, reasoning: 10 } });
        expect(m.generatedDeltas()).toBe(3);
        expect(m.output().text).toContain('Hello');
      }
    }
  });

  it('OpenAI chat: blanks before the colon and tabs count too; an empty content is not a delta', () => {
    const body = 'data: {"choices" :\t[{"delta" : {"content" :\t""}}]}\n\ndata: {"choices": [{"delta": {"content" : "x"}}]}\n\ndata: {"choices" : [] , "usage" :\t{"prompt_tokens" : 3, "completion_tokens" : 1}}\n\n';
    const m = new OpenAIStreamMeter(false);
    expect(feed(m, [Buffer.from(body)])).not.toContain('prompt_tokens');
    expect(m.generatedDeltas()).toBe(1);
    expect(m.metered()).toMatchObject({ complete: true, usage: { input: 3, output: 1 } });
  });

  it('Responses API: meters the terminal event and counts deltas', () => {
    const u = { input_tokens: 12, input_tokens_details: { cached_tokens: 2 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 } };
    const text = [
      event({ type: 'response.created', sequence_number: 0, response: { id: 'resp_1', status: 'in_progress', usage: null } } as { type: string }),
      event({ type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { type: 'function_call', name: 'grep', arguments: '' } } as { type: string }),
      event({ type: 'response.function_call_arguments.delta', sequence_number: 2, delta: '{"q":' } as { type: string }),
      event({ type: 'response.output_text.delta', sequence_number: 3, delta: 'done' } as { type: string }),
      event({ type: 'response.completed', sequence_number: 4, response: { id: 'resp_1', status: 'completed', service_tier: 'default', usage: u } } as { type: string }),
    ].join('');
    for (const pieces of splits(text)) {
      const m = new ResponsesStreamMeter();
      expect(feed(m, pieces)).toBe(text);
      expect(m.metered()).toMatchObject({ complete: true, serviceTier: 'default', usage: { input: 10, cachedInput: 2, output: 5, reasoning: 4 } });
      expect(m.generatedDeltas()).toBe(2);
      expect(m.output().toolCalls).toEqual([{ name: 'grep', arguments: '{"q":' }]);
      expect(m.position(false)).toMatchObject({ sequence: 4, response: { id: 'resp_1' } });
    }
  });

  it('Anthropic: meters message_start and message_delta and counts deltas', () => {
    const text = [
      event({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 5, cache_read_input_tokens: 3, output_tokens: 1 } } } as { type: string }),
      event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'grep', input: {} } } as { type: string }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q": 1}' } } as { type: string }),
      event({ type: 'content_block_stop', index: 0 } as { type: string }),
      event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } } as { type: string }),
      event({ type: 'message_stop' }),
    ].join('');
    for (const pieces of splits(text)) {
      const m = new AnthropicStreamMeter();
      expect(feed(m, pieces)).toBe(text);
      expect(m.metered()).toMatchObject({ complete: true, promptKnown: true, usage: { input: 5, cachedInput: 3, output: 7 } });
      expect(m.generatedDeltas()).toBe(1);
      expect(m.output().toolCalls).toEqual([{ name: 'grep', arguments: '{"q": 1}' }]);
    }
  });
});

describe('the Anthropic meter goes by event names, and by the data where there are none', () => {
  const events = [
    { type: 'message_start', message: { id: 'm', usage: { input_tokens: 5, cache_read_input_tokens: 3, output_tokens: 1, service_tier: 'priority' } } },
    { type: 'ping' },
    { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'grep', input: {} } },
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"q":' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: ' 1}' } },
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 7 } },
    { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    { type: 'message_stop' },
  ];
  const framings: Record<string, (o: { type: string }) => string> = {
    named: (o) => `event: ${o.type}\n${data(o, false)}`,
    'named, no space, CRLF': (o) => `event:${o.type}\r\ndata: ${JSON.stringify(o)}\r\n\r\n`,
    'data only': (o) => data(o, false),
    'id line first': (o) => `id: 1\nevent: ${o.type}\n${data(o, false)}`,
  };
  for (const [name, frame] of Object.entries(framings)) {
    it(`meters the same: ${name}`, () => {
      const text = events.map(frame).join('');
      for (const pieces of splits(text)) {
        const m = new AnthropicStreamMeter();
        expect(feed(m, pieces)).toBe(text);
        expect(m.metered()).toMatchObject({ complete: true, promptKnown: true, serviceTier: 'priority', usage: { input: 5, cachedInput: 3, output: 7 } });
        expect(m.generatedDeltas()).toBe(2);
        expect(m.generatedMoreThan(1)).toBe(true);
        expect(m.generatedMoreThan(2)).toBe(false);
        expect(m.upstreamError()).toBe('overloaded_error');
        expect(m.output().toolCalls).toEqual([{ name: 'grep', arguments: '{"q": 1}' }]);
      }
    });
  }
});

describe('the Responses API meter goes by event names, and by the data where there are none', () => {
  const u = { input_tokens: 12, input_tokens_details: { cached_tokens: 2 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 } };
  const events = [
    { type: 'response.created', sequence_number: 0, response: { id: 'resp_1', status: 'in_progress', usage: null } },
    { type: 'response.in_progress', sequence_number: 1, response: { id: 'resp_1', status: 'in_progress', usage: null } },
    { type: 'response.output_item.added', sequence_number: 2, output_index: 0, item: { type: 'function_call', name: 'grep', arguments: '' } },
    { type: 'response.function_call_arguments.delta', sequence_number: 3, delta: '{"q":' },
    { type: 'response.output_text.delta', sequence_number: 4, delta: '' },
    { type: 'response.output_text.delta', sequence_number: 5, delta: 'done' },
    { type: 'response.output_text.done', sequence_number: 6, text: 'done' },
    { type: 'response.completed', sequence_number: 7, response: { id: 'resp_1', status: 'completed', service_tier: 'flex', usage: u } },
  ];
  const framings: Record<string, (o: { type: string }) => string> = {
    named: (o) => `event: ${o.type}\n${data(o, false)}`,
    'named, no space, CRLF': (o) => `event:${o.type}\r\ndata: ${JSON.stringify(o)}\r\n\r\n`,
    'data only': (o) => data(o, false),
  };
  for (const [name, frame] of Object.entries(framings)) {
    it(`meters the same: ${name}`, () => {
      const text = events.map(frame).join('');
      for (const pieces of splits(text)) {
        const m = new ResponsesStreamMeter();
        expect(feed(m, pieces)).toBe(text);
        expect(m.metered()).toMatchObject({ complete: true, serviceTier: 'flex', usage: { input: 10, cachedInput: 2, output: 5, reasoning: 4 } });
        // The empty delta is no generated token.
        expect(m.generatedMoreThan(1)).toBe(true);
        expect(m.generatedMoreThan(2)).toBe(false);
        expect(m.generatedDeltas()).toBe(2);
        expect(m.output()).toEqual({ text: 'done', toolCalls: [{ name: 'grep', arguments: '{"q":' }] });
        expect(m.position(false)).toMatchObject({ sequence: 7, response: { id: 'resp_1' } });
      }
    });
  }
  it('reports a failed response by name', () => {
    const text = [
      `event: response.created\n${data({ type: 'response.created', sequence_number: 0, response: { id: 'r', usage: null } }, false)}`,
      `event: response.failed\n${data({ type: 'response.failed', sequence_number: 1, response: { id: 'r', error: { code: 'server_error' }, usage: { input_tokens: 5, output_tokens: 0 } } }, false)}`,
    ].join('');
    const m = new ResponsesStreamMeter();
    feed(m, [Buffer.from(text)]);
    expect(m.upstreamError()).toBe('server_error');
    expect(m.metered()).toMatchObject({ complete: true, usage: { input: 5 } });
  });
});

describe('stream meters notice an error the provider sends inside a 200 stream', () => {
  for (const sp of [false, true]) {
    const how = sp ? 'spaced' : 'compact';

    it(`OpenAI chat (${how}): data: {"error":{...}} is forwarded as it came and reported with its type`, () => {
      const text =
        data(chunk({ role: 'assistant', content: '' }), sp) +
        data(chunk({ content: 'Hello' }), sp) +
        data({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } }, sp);
      for (const pieces of splits(text)) {
        const m = new OpenAIStreamMeter(false);
        expect(feed(m, pieces)).toBe(text);
        expect(m.upstreamError()).toBe('server_error');
        expect(m.metered().complete).toBe(false);
      }
    });

    it(`Responses API (${how}): response.failed and error events are reported with their code`, () => {
      const created = event({ type: 'response.created', sequence_number: 0, response: { id: 'r', status: 'in_progress', usage: null } } as { type: string }, sp);
      const failed = event({
        type: 'response.failed',
        sequence_number: 2,
        response: { id: 'r', status: 'failed', error: { code: 'server_error', message: 'The model failed' }, usage: { input_tokens: 50, output_tokens: 3 } },
      } as { type: string }, sp);
      const errored = event({ type: 'error', sequence_number: 1, code: 'rate_limit_exceeded', message: 'boom', param: null } as { type: string }, sp);
      const delta = event({ type: 'response.output_text.delta', sequence_number: 1, delta: 'Hel' } as { type: string }, sp);
      for (const [text, want, complete] of [
        [created + delta + failed, 'server_error', true],
        [created + errored, 'rate_limit_exceeded', false],
      ] as const) {
        for (const pieces of splits(text)) {
          const m = new ResponsesStreamMeter();
          expect(feed(m, pieces)).toBe(text);
          expect(m.upstreamError()).toBe(want);
          // response.failed still reports what the failed attempt used.
          expect(m.metered().complete).toBe(complete);
        }
      }
    });

    // Compact Anthropic error events were already noticed; what is new is the spaced form.
    it.runIf(sp)(`Anthropic (${how}): an error event is reported with its type`, () => {
      const text =
        event({ type: 'message_start', message: { id: 'm', usage: { input_tokens: 100, output_tokens: 1 } } } as { type: string }, sp) +
        event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello' } } as { type: string }, sp) +
        event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } as { type: string }, sp);
      for (const pieces of splits(text)) {
        const m = new AnthropicStreamMeter();
        expect(feed(m, pieces)).toBe(text);
        expect(m.upstreamError()).toBe('overloaded_error');
      }
    });
  }

  it('a model that writes error-looking JSON in its text is no error', () => {
    const chat = data(chunk({ content: '{"error":{"type":"x"}}' }), false) + data(chunk({ content: 'ok', extra: { error: { type: 'nested' } } }), false);
    const m = new OpenAIStreamMeter(false);
    feed(m, [Buffer.from(chat)]);
    expect(m.upstreamError()).toBeNull();
    const ant = event({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'n', input: { type: 'error' } } } as { type: string }, false);
    const a = new AnthropicStreamMeter();
    feed(a, [Buffer.from(ant)]);
    expect(a.upstreamError()).toBeNull();
    const resp = event({ type: 'response.output_text.delta', sequence_number: 1, delta: '"type":"error"' } as { type: string }, false);
    const r = new ResponsesStreamMeter();
    feed(r, [Buffer.from(resp)]);
    expect(r.upstreamError()).toBeNull();
  });
});
