import { describe, expect, it } from 'vitest';
import { AnthropicToOpenAIStream, OpenAIToAnthropicStream } from '../../../src/translate/index.js';
import { expectValidAnthropicStream, expectValidOpenAIStream, fixtureText, sseEvents, translateEvents } from './fixtures.js';

const anthropicToOpenAI = (includeUsage: boolean): AnthropicToOpenAIStream =>
  new AnthropicToOpenAIStream({ created: 1767225600, includeUsage });

describe('Anthropic stream -> OpenAI chunks', () => {
  it.each([
    ['anthropic-stream-tool-use', true],
    ['anthropic-stream-thinking', false],
  ])('%s matches its golden translation event by event (include_usage %s)', (name, includeUsage) => {
    const out = translateEvents(anthropicToOpenAI(includeUsage), sseEvents(fixtureText(`${name}.sse`)));
    expect(out).toEqual(sseEvents(fixtureText(`${name}.to-openai.sse`)));
    expectValidOpenAIStream(out);
  });

  it('gives the same output however the upstream text is cut', () => {
    const text = fixtureText('anthropic-stream-tool-use.sse');
    const whole = translateEvents(anthropicToOpenAI(true), [text]);
    const translator = anthropicToOpenAI(true);
    let out = '';
    for (let i = 0; i < text.length; i += 7) out += translator.push(text.slice(i, i + 7));
    expect(sseEvents(out + translator.end())).toEqual(whole);
  });

  it('takes bytes cut inside a multi-byte character', () => {
    const text = fixtureText('anthropic-stream-tool-use.sse').replace('both cities.', 'both cités — ☀️.');
    const bytes = Buffer.from(text);
    const translator = anthropicToOpenAI(true);
    let out = '';
    for (let i = 0; i < bytes.length; i += 5) out += translator.push(bytes.subarray(i, i + 5));
    out += translator.push(null) + translator.end();
    expect(sseEvents(out)).toEqual(translateEvents(anthropicToOpenAI(true), [text]));
    expect(out).toContain('"content":" both cités — ☀️."');
  });

  it('turns an error event into an OpenAI error and stops there', () => {
    const events = sseEvents(fixtureText('anthropic-stream-tool-use.sse')).slice(0, 4);
    events.push('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    const translator = anthropicToOpenAI(true);
    const out = events.map((e) => translator.push(e)).join('');
    expect(sseEvents(out).at(-1)).toBe(
      'data: {"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":"overloaded_error"}}\n\n',
    );
    expect(translator.push('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe('');
    expect(translator.end()).toBe('');
  });
});

describe('OpenAI chunks -> Anthropic stream', () => {
  it.each(['openai-stream-tool-calls', 'openai-stream-text'])('%s matches its golden translation event by event', (name) => {
    const out = translateEvents(new OpenAIToAnthropicStream(), sseEvents(fixtureText(`${name}.sse`)));
    expect(out).toEqual(sseEvents(fixtureText(`${name}.to-anthropic.sse`)));
    expectValidAnthropicStream(out);
  });

  it('reads a last event the upstream left unterminated', () => {
    const events = sseEvents(fixtureText('openai-stream-text.sse')).slice(0, -1);
    const last = events.pop() ?? '';
    const translator = new OpenAIToAnthropicStream();
    const out = sseEvents(events.map((e) => translator.push(e)).join('') + translator.push(last.trimEnd()) + translator.end());
    expect(out).toEqual(sseEvents(fixtureText('openai-stream-text.to-anthropic.sse')));
  });

  it('uses the id and model it is given', () => {
    const out = translateEvents(new OpenAIToAnthropicStream({ id: 'msg_tg_1', model: 'alias' }), sseEvents(fixtureText('openai-stream-text.sse')));
    expect(out[0]).toContain('"id":"msg_tg_1"');
    expect(out[0]).toContain('"model":"alias"');
  });

  it('still ends with a valid message when the upstream sent no usage', () => {
    const events = sseEvents(fixtureText('openai-stream-tool-calls.sse')).filter((e) => !e.includes('"usage":{'));
    const out = translateEvents(new OpenAIToAnthropicStream(), events);
    expectValidAnthropicStream(out);
    expect(out.at(-2)).toContain('"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}');
  });

  it('turns an error chunk into an Anthropic error event and stops there', () => {
    const translator = new OpenAIToAnthropicStream();
    const first = sseEvents(fixtureText('openai-stream-text.sse'))[1] ?? '';
    translator.push(first);
    expect(translator.push('data: {"error":{"message":"The server had an error","type":"server_error"}}\n\n')).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The server had an error"}}\n\n',
    );
    expect(translator.end()).toBe('');
  });

  it('maps a refusal delta to text with stop_reason refusal', () => {
    const chunk = (delta: object, finish: string | null): string =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const out = translateEvents(new OpenAIToAnthropicStream(), [chunk({ role: 'assistant', refusal: "I can't" }, null), chunk({}, 'stop'), 'data: [DONE]\n\n']);
    expectValidAnthropicStream(out);
    expect(out[2]).toContain('"text":"I can\'t"');
    expect(out.at(-2)).toContain('"stop_reason":"refusal"');
  });
});
