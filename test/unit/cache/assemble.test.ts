import { describe, expect, it } from 'vitest';
import { assembleResponse, IncompleteToolCall, type AssembleInput } from '../../../src/cache/assemble.js';

const usage = { input: 100, cachedInput: 20, cacheWrite5m: 5, cacheWrite1h: 3, output: 40, reasoning: 10 };
const input = (over: Partial<AssembleInput>): AssembleInput => ({
  api: 'openai',
  id: 'id1',
  model: 'm',
  created: 1_700_000_000,
  text: 'Hello',
  toolCalls: [],
  finishReason: 'stop',
  usage,
  ...over,
});

describe('assembleResponse', () => {
  it('builds an OpenAI chat.completion with usage in OpenAI semantics', () => {
    const body: unknown = JSON.parse(
      assembleResponse(
        input({
          toolCalls: [
            { id: 'call_a', name: 'f', arguments: '{"x":1}' },
            { name: 'g', arguments: '' },
          ],
          finishReason: 'tool_calls',
        }),
      ),
    );
    expect(body).toEqual({
      id: 'id1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'm',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Hello',
            refusal: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } },
              { id: 'call_id1_1', type: 'function', function: { name: 'g', arguments: '' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 128,
        completion_tokens: 50,
        total_tokens: 178,
        prompt_tokens_details: { cached_tokens: 20 },
        completion_tokens_details: { reasoning_tokens: 10 },
      },
    });
  });

  it('gives OpenAI null content when only tools were called', () => {
    const body = JSON.parse(assembleResponse(input({ text: '', toolCalls: [{ id: 'c', name: 'f', arguments: '{}' }] }))) as {
      choices: { message: { content: unknown } }[];
    };
    expect(body.choices[0]?.message.content).toBeNull();
  });

  it('builds an Anthropic message with parsed tool input and split cache writes', () => {
    const body: unknown = JSON.parse(
      assembleResponse(
        input({
          api: 'anthropic',
          id: 'msg_1',
          toolCalls: [{ id: 'toolu_a', name: 'f', arguments: '{"x":[1,2]}' }, { name: 'g', arguments: '' }],
          finishReason: 'tool_use',
        }),
      ),
    );
    expect(body).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'text', text: 'Hello' },
        { type: 'tool_use', id: 'toolu_a', name: 'f', input: { x: [1, 2] } },
        { type: 'tool_use', id: 'toolu_msg_1_1', name: 'g', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 100,
        cache_creation_input_tokens: 8,
        cache_read_input_tokens: 20,
        cache_creation: { ephemeral_5m_input_tokens: 5, ephemeral_1h_input_tokens: 3 },
        output_tokens: 50,
      },
    });
  });

  it('omits an empty Anthropic text block beside tool calls, keeps it when it is all there is', () => {
    const withTool = JSON.parse(assembleResponse(input({ api: 'anthropic', text: '', toolCalls: [{ name: 'f', arguments: '{}' }] }))) as {
      content: { type: string }[];
    };
    expect(withTool.content.map((b) => b.type)).toEqual(['tool_use']);
    const empty = JSON.parse(assembleResponse(input({ api: 'anthropic', text: '' }))) as { content: unknown[] };
    expect(empty.content).toEqual([{ type: 'text', text: '' }]);
  });

  it('refuses Anthropic tool arguments that are not complete JSON', () => {
    expect(() => assembleResponse(input({ api: 'anthropic', toolCalls: [{ name: 'f', arguments: '{"x":' }] }))).toThrow(IncompleteToolCall);
  });
});
