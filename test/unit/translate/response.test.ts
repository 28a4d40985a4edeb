import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import {
  anthropicStopReason,
  anthropicUsageFromOpenAI,
  openaiFinishReason,
  openaiUsageFromAnthropic,
  toAnthropicResponse,
  toOpenAIResponse,
} from '../../../src/translate/index.js';
import { fixtureJson } from './fixtures.js';

describe('Anthropic response -> OpenAI', () => {
  it('translates text, a tool call and cached usage (golden)', () => {
    const out = toOpenAIResponse(fixtureJson('anthropic-response-tool-use.json'), { created: 1767225600 });
    expect(out).toEqual(fixtureJson('anthropic-response-tool-use.to-openai.json'));
  });

  it('reports the model it is told to, and leaves thinking out of the content', () => {
    const body = {
      id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'end_turn',
      content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Hi' }],
      usage: { input_tokens: 5, output_tokens: 9, output_tokens_details: { thinking_tokens: 4 } },
    };
    const out = toOpenAIResponse(body, { created: 1, model: 'my-alias' });
    expect(out['model']).toBe('my-alias');
    expect(out['choices']).toEqual([{ index: 0, message: { role: 'assistant', content: 'Hi', refusal: null }, logprobs: null, finish_reason: 'stop' }]);
    expect(out['usage']).toEqual({
      prompt_tokens: 5, completion_tokens: 9, total_tokens: 14,
      prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 4 },
    });
  });
});

describe('OpenAI response -> Anthropic', () => {
  it('translates content, tool calls and cached + reasoning usage (golden)', () => {
    expect(toAnthropicResponse(fixtureJson('openai-response-tool-calls.json'))).toEqual(
      fixtureJson('openai-response-tool-calls.to-anthropic.json'),
    );
  });

  it('turns a refusal into text with stop_reason refusal', () => {
    const body = {
      id: 'chatcmpl-1', model: 'gpt-4o', usage: { prompt_tokens: 3, completion_tokens: 2 },
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: null, refusal: "I can't help with that." } }],
    };
    const out = toAnthropicResponse(body, { model: 'alias' });
    expect(out['content']).toEqual([{ type: 'text', text: "I can't help with that." }]);
    expect(out['stop_reason']).toBe('refusal');
  });

  it('names the model the upstream reported, defaultModel only when it reported none (both directions)', () => {
    const oa = { id: 'chatcmpl-1', model: 'gpt-4o-2024', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hi' } }] };
    expect(toAnthropicResponse(oa, { defaultModel: 'gpt-4o' })['model']).toBe('gpt-4o-2024');
    expect(toAnthropicResponse({ ...oa, model: undefined }, { defaultModel: 'gpt-4o' })['model']).toBe('gpt-4o');
    const an = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-x-1', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hi' }], usage: {} };
    expect(toOpenAIResponse(an, { created: 1, defaultModel: 'claude-x' })['model']).toBe('claude-x-1');
    expect(toOpenAIResponse({ ...an, model: 7 }, { created: 1, defaultModel: 'claude-x' })['model']).toBe('claude-x');
  });

  it('fails as an upstream error on a tool call whose arguments are not a JSON object', () => {
    const body = {
      id: 'chatcmpl-1',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] } }],
    };
    expect(() => toAnthropicResponse(body)).toThrow(GatewayError);
    expect(() => toAnthropicResponse({ id: 'x', choices: [] })).toThrow(/without a choice/);
  });
});

describe('stop reasons', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('Anthropic %s -> OpenAI %s', (stop, finish) => expect(openaiFinishReason(stop)).toBe(finish));

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    [null, 'end_turn'],
  ])('OpenAI %s -> Anthropic %s', (finish, stop) => expect(anthropicStopReason(finish)).toBe(stop));
});

describe('usage', () => {
  it('round-trips the prompt split: cached tokens are inside prompt_tokens, outside input_tokens', () => {
    const anthropic = { input_tokens: 100, cache_read_input_tokens: 900, cache_creation_input_tokens: 50, output_tokens: 20 };
    const openai = openaiUsageFromAnthropic(anthropic);
    expect(openai).toMatchObject({ prompt_tokens: 1050, completion_tokens: 20, total_tokens: 1070 });
    expect(openai['prompt_tokens_details']).toEqual({ cached_tokens: 900, cache_write_tokens: 50 });
    expect(anthropicUsageFromOpenAI(openai)).toEqual(anthropic);
  });

  it('never reports negative input tokens from an inconsistent upstream', () => {
    const out = anthropicUsageFromOpenAI({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 50 } });
    expect(out).toEqual({ input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 10, output_tokens: 1 });
  });
});
