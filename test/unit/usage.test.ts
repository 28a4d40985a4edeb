import { describe, expect, it } from 'vitest';
import { convertOpenAIUsage, convertResponsesUsage } from '../../src/providers/openai/usage.js';
import { ResponsesStreamMeter } from '../../src/providers/openai/responses-stream.js';
import { mergeAnthropicUsage } from '../../src/providers/anthropic/usage.js';
import { lastObjectAfterKey } from '../../src/providers/json-slice.js';
import { MAX_CALL_TOKENS as MAX_REPORTED_TOKENS } from '../../src/pricing/usage.js';
import { OpenAIStreamMeter } from '../../src/providers/openai/stream.js';
import { AnthropicStreamMeter } from '../../src/providers/anthropic/stream.js';
import { emptyUsage } from '../../src/pricing/usage.js';

describe('usage conversion into non-overlapping classes', () => {
  it('OpenAI: prompt includes cached, completion includes reasoning', () => {
    expect(
      convertOpenAIUsage({ prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { cached_tokens: 30 }, completion_tokens_details: { reasoning_tokens: 20 } }),
    ).toEqual({ input: 70, cachedInput: 30, cacheWrite5m: 0, cacheWrite1h: 0, output: 30, reasoning: 20 });
  });

  it('OpenAI Responses API: input_tokens includes cached, output_tokens includes reasoning; a stray "usage" object is not usage', () => {
    expect(
      convertResponsesUsage({ input_tokens: 100, input_tokens_details: { cached_tokens: 30 }, output_tokens: 50, output_tokens_details: { reasoning_tokens: 20 }, total_tokens: 150 }),
    ).toEqual({ input: 70, cachedInput: 30, cacheWrite5m: 0, cacheWrite1h: 0, output: 30, reasoning: 20 });
    expect(convertResponsesUsage({ prompt_tokens: 5 })).toBeNull();
    expect(convertResponsesUsage(null)).toBeNull();
  });

  it('Responses API streams: forwards every byte, meters the terminal event, counts deltas, keeps its position', () => {
    const ev = (type: string, seq: number, data: object): string => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq, ...data })}\n\n`;
    const usage = { input_tokens: 12, input_tokens_details: { cached_tokens: 2 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 4 } };
    const events = [
      ev('response.created', 0, { response: { id: 'resp_1', object: 'response', status: 'in_progress', usage: null } }),
      ev('response.output_item.added', 1, { output_index: 0, item: { type: 'function_call', name: 'grep', arguments: '' } }),
      ev('response.function_call_arguments.delta', 2, { output_index: 0, delta: '{"q":' }),
      ev('response.function_call_arguments.delta', 3, { output_index: 0, delta: '"x"}' }),
      ev('response.output_text.delta', 4, { output_index: 1, delta: 'done' }),
      ev('response.completed', 5, { response: { id: 'resp_1', status: 'completed', usage } }),
    ].join('');
    const meter = new ResponsesStreamMeter();
    let out = '';
    for (let i = 0; i < events.length; i += 11) out += meter.push(Buffer.from(events.slice(i, i + 11)))?.toString() ?? '';
    out += meter.flush()?.toString() ?? '';
    expect(out).toBe(events);
    expect(meter.metered()).toEqual({ usage: { input: 10, cachedInput: 2, cacheWrite5m: 0, cacheWrite1h: 0, output: 5, reasoning: 4 }, complete: true, promptKnown: true, serviceTier: null });
    expect(meter.generatedDeltas()).toBe(3);
    expect(meter.output()).toEqual({ text: 'done', toolCalls: [{ name: 'grep', arguments: '{"q":"x"}' }] });
    expect(meter.position(false)).toMatchObject({ sequence: 5, response: { id: 'resp_1' } });

    // Cut before the terminal event: no usage, and the position of what was forwarded.
    const cut = new ResponsesStreamMeter();
    const upTo = events.indexOf('event: response.output_text.delta');
    cut.push(Buffer.from(events.slice(0, upTo)));
    cut.push(Buffer.from(events.slice(upTo, events.indexOf('event: response.completed'))));
    expect(cut.metered().complete).toBe(false);
    expect(cut.position(true).sequence).toBe(3);
    expect(cut.position(false).sequence).toBe(4);
  });

  it('bounds what a provider reports per token class, so one call cannot price at billions', () => {
    const huge = 2 ** 53 - 1;
    expect(convertOpenAIUsage({ prompt_tokens: huge, completion_tokens: 1e300, prompt_tokens_details: { cached_tokens: 5 } })).toEqual({
      input: MAX_REPORTED_TOKENS - 5, cachedInput: 5, cacheWrite5m: 0, cacheWrite1h: 0, output: MAX_REPORTED_TOKENS, reasoning: 0,
    });
    const u = emptyUsage();
    mergeAnthropicUsage(u, { input_tokens: huge, output_tokens: huge });
    expect(u).toMatchObject({ input: MAX_REPORTED_TOKENS, output: MAX_REPORTED_TOKENS });
  });

  it('Anthropic: input excludes cache reads and writes; message_delta repeating totals does not double count', () => {
    const u = emptyUsage();
    mergeAnthropicUsage(u, { input_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 300, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 }, output_tokens: 1 });
    mergeAnthropicUsage(u, { input_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 300, output_tokens: 77 });
    expect(u).toEqual({ input: 10, cachedInput: 500, cacheWrite5m: 100, cacheWrite1h: 200, output: 77, reasoning: 0 });
  });

  it('finds usage at the end of a body without being fooled by content', () => {
    const body = Buffer.from(JSON.stringify({ choices: [{ message: { content: 'the "usage":{"prompt_tokens":999} trick' } }], usage: { prompt_tokens: 5, completion_tokens: 2 } }));
    expect(lastObjectAfterKey(body, 'usage')).toEqual({ prompt_tokens: 5, completion_tokens: 2 });
  });

  it('drops only the usage chunk the client did not ask for, across split network chunks', () => {
    const events = [
      'data: {"choices":[{"index":0,"delta":{"content":"hi"}}],"usage":null}\n\n',
      'data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n',
      'data: [DONE]\n\n',
    ].join('');
    const meter = new OpenAIStreamMeter(false);
    let out = '';
    for (let i = 0; i < events.length; i += 7) out += meter.push(Buffer.from(events.slice(i, i + 7)))?.toString() ?? '';
    out += meter.flush()?.toString() ?? '';
    expect(out).not.toContain('prompt_tokens');
    expect(out).toContain('"content":"hi"');
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(meter.metered()).toMatchObject({ complete: true, usage: { input: 3, output: 1 } });
    expect(meter.generatedText()).toBe('hi');
  });

  it('meters an Anthropic stream split anywhere, forwarding every byte untouched', () => {
    const events = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":5,"cache_read_input_tokens":7,"cache_creation_input_tokens":3,"cache_creation":{"ephemeral_5m_input_tokens":1,"ephemeral_1h_input_tokens":2},"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo "}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"grep","input":{}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":"}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"x\\"}"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":12}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join('');
    const bytes = Buffer.from(events);
    const meter = new AnthropicStreamMeter();
    const out: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 5) out.push(meter.push(bytes.subarray(i, i + 5)) ?? Buffer.alloc(0));
    out.push(meter.flush() ?? Buffer.alloc(0));
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
    expect(meter.metered()).toEqual({ complete: true, promptKnown: true, serviceTier: null, usage: { input: 5, cachedInput: 7, cacheWrite5m: 1, cacheWrite1h: 2, output: 12, reasoning: 0 } });
    expect(meter.output()).toEqual({ text: 'héllo ', toolCalls: [{ name: 'grep', arguments: '{"q":"x"}' }] });
    expect(meter.generatedDeltas()).toBe(3);
  });

  it('splits CRLF-framed events too', () => {
    const meter = new OpenAIStreamMeter(false);
    const text = 'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}\r\n\r\ndata: {"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1}}\r\n\r\ndata: [DONE]\r\n\r\n';
    const out = meter.push(Buffer.from(text))?.toString() ?? '';
    expect(out).not.toContain('usage');
    expect(meter.metered()).toMatchObject({ complete: true, usage: { input: 2, output: 1 } });
  });
});
