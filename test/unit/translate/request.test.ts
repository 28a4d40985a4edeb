import { describe, expect, it } from 'vitest';
import { toAnthropicRequest, toOpenAIRequest } from '../../../src/translate/index.js';
import { fixtureJson } from './fixtures.js';

const toAnthropic = (body: Record<string, unknown>): Record<string, unknown> =>
  toAnthropicRequest(body, { model: 'claude-sonnet-4-5', defaultMaxTokens: 4096 });
const toOpenAI = (body: Record<string, unknown>): Record<string, unknown> =>
  toOpenAIRequest(body, { model: 'gpt-4.1', streamUsage: true });

const user = (content: unknown): Record<string, unknown> => ({ role: 'user', content });

describe('OpenAI request -> Anthropic', () => {
  it('translates an agent turn with images, tool calls and tool results (golden)', () => {
    const body = fixtureJson('openai-request-agent.json');
    const before = JSON.stringify(body);
    expect(toAnthropic(body)).toEqual(fixtureJson('openai-request-agent.to-anthropic.json'));
    expect(JSON.stringify(body), 'the client body is not mutated').toBe(before);
  });

  it('keeps one system text a string and falls back to defaultMaxTokens', () => {
    const out = toAnthropic({ model: 'x', messages: [{ role: 'system', content: 'Be brief.' }, user('Hi')] });
    expect(out).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
    });
  });

  it('prefers max_completion_tokens, then max_tokens', () => {
    expect(toAnthropic({ messages: [user('a')], max_tokens: 50 })['max_tokens']).toBe(50);
    expect(toAnthropic({ messages: [user('a')], max_tokens: 50, max_completion_tokens: 70 })['max_tokens']).toBe(70);
  });

  it('merges consecutive user messages and drops empty turns so roles alternate', () => {
    const out = toAnthropic({
      messages: [user('one'), user([{ type: 'text', text: 'two' }]), { role: 'assistant', content: '' }, user('three')],
    });
    expect(out['messages']).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'one' },
          { type: 'text', text: 'two' },
          { type: 'text', text: 'three' },
        ],
      },
    ]);
  });

  it('makes vendor tool ids Anthropic-safe, the same way on the call and on its result', () => {
    const out = toAnthropic({
      messages: [
        user('time?'),
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'functions.get_time:0', type: 'function', function: { name: 'get_time', arguments: '' } }],
        },
        { role: 'tool', tool_call_id: 'functions.get_time:0', content: '' },
      ],
    });
    expect(out['messages']).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'time?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'functions_get_time_0', name: 'get_time', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'functions_get_time_0' }] },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'f' } }, { type: 'tool', name: 'f' }],
  ])('maps tool_choice %j', (choice, expected) => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    expect(toAnthropic({ messages: [user('a')], tools, tool_choice: choice })['tool_choice']).toEqual(expected);
  });

  it('ignores parallel_tool_calls without tools, and null for unset fields', () => {
    const out = toAnthropic({ messages: [user('a')], parallel_tool_calls: false, seed: null, n: null, stop: null, temperature: null });
    expect(Object.keys(out)).toEqual(['model', 'max_tokens', 'messages']);
  });

  it('uses safety_identifier over user for metadata.user_id', () => {
    expect(toAnthropic({ messages: [user('a')], user: 'u1', safety_identifier: 's1' })['metadata']).toEqual({ user_id: 's1' });
    expect(toAnthropic({ messages: [user('a')], stop: 'END' })['stop_sequences']).toEqual(['END']);
  });
});

describe('replies echoed back as history', () => {
  it('takes an OpenAI reply message as the SDK returns it (refusal null, annotations)', () => {
    const choices = fixtureJson('openai-response-tool-calls.json')['choices'] as { message: Record<string, unknown> }[];
    const reply = choices[0]?.message;
    const results = ['call_9PzYk3hV2qLm7sTn', 'call_4RwQx8jN6dKf1bGc'].map((id) => ({ role: 'tool', tool_call_id: id, content: 'sunny' }));
    const out = toAnthropic({ messages: [user('weather?'), reply, ...results] });
    expect((out['messages'] as unknown[]).length).toBe(3);
  });

  it('takes Anthropic reply blocks as the SDK returns them (citations null, direct caller)', () => {
    const reply = fixtureJson('anthropic-response-tool-use.json');
    const content = (reply['content'] as Record<string, unknown>[]).map((block) =>
      block['type'] === 'text' ? { ...block, citations: null } : { ...block, caller: { type: 'direct' } },
    );
    const out = toOpenAI({
      max_tokens: 10,
      messages: [
        user('weather?'),
        { role: 'assistant', content },
        user([{ type: 'tool_result', tool_use_id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', content: 'sunny' }]),
      ],
    });
    expect((out['messages'] as Record<string, unknown>[]).map((m) => m['role'])).toEqual(['user', 'assistant', 'tool']);
  });
});

describe('Anthropic request -> OpenAI', () => {
  it('translates an agent turn with system blocks, images, tool use and tool results (golden)', () => {
    const body = fixtureJson('anthropic-request-agent.json');
    const before = JSON.stringify(body);
    expect(toOpenAI(body)).toEqual(fixtureJson('anthropic-request-agent.to-openai.json'));
    expect(JSON.stringify(body)).toBe(before);
  });

  it('keeps string content strings and asks for stream usage only when told to', () => {
    const body = { model: 'claude', max_tokens: 100, system: 'Be brief.', messages: [user('Hi')], stream: true };
    expect(toOpenAIRequest(body, { model: 'gpt-4o-mini', streamUsage: false })).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      max_tokens: 100,
      stream: true,
    });
    const out = toOpenAIRequest(body, { model: 'o4-mini', streamUsage: true, maxTokensField: 'max_completion_tokens' });
    expect(out['max_completion_tokens']).toBe(100);
    expect(out['stream_options']).toEqual({ include_usage: true });
  });

  it('puts tool results before the rest of the user turn, and an assistant turn of only tool use has null content', () => {
    const out = toOpenAI({
      max_tokens: 10,
      messages: [
        user('go'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } }] },
        user([{ type: 'text', text: 'done?' }, { type: 'tool_result', tool_use_id: 'toolu_1' }]),
      ],
    });
    expect(out['messages']).toEqual([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '' },
      { role: 'user', content: 'done?' },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto', undefined],
    [{ type: 'any', disable_parallel_tool_use: true }, 'required', false],
    [{ type: 'none' }, 'none', undefined],
    [{ type: 'tool', name: 'f' }, { type: 'function', function: { name: 'f' } }, undefined],
  ])('maps tool_choice %j', (choice, expected, parallel) => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const out = toOpenAI({ max_tokens: 10, messages: [user('a')], tools, tool_choice: choice });
    expect(out['tool_choice']).toEqual(expected);
    expect(out['parallel_tool_calls']).toBe(parallel);
  });
});
