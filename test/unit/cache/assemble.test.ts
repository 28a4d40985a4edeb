import { describe, expect, it } from 'vitest';
import { assembleResponse } from '../../../src/cache/assemble.js';

const usage = { input: 100, cachedInput: 20, cacheWrite5m: 5, cacheWrite1h: 3, output: 40, reasoning: 10 };
const sse = (events: unknown[], named = false): string =>
  events.map((e) => `${named ? `event: ${(e as { type: string }).type}\n` : ''}data: ${JSON.stringify(e)}\n\n`).join('') + (named ? '' : 'data: [DONE]\n\n');
const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id: 'c1', object: 'chat.completion.chunk', created: 7, model: 'm', choices, ...extra });
const parse = (s: string | null): Record<string, unknown> => JSON.parse(s!) as Record<string, unknown>;

describe('assembleResponse (OpenAI chat)', () => {
  it('keeps each choice, the tool name from the first delta, the finish reason and the usage chunk', () => {
    const events = [
      chunk([{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'f', arguments: '' } }] }, finish_reason: null }]),
      chunk([{ index: 1, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }, finish_reason: null }]),
      chunk([{ index: 1, delta: { content: 'Hi' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '1}' } }] }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([{ index: 1, delta: {}, finish_reason: 'length' }]),
      chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }),
    ];
    expect(parse(assembleResponse({ api: 'openai', sse: sse(events), usage }))).toEqual({
      id: 'c1',
      object: 'chat.completion',
      created: 7,
      model: 'm',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
        { index: 1, message: { role: 'assistant', content: 'Hi', refusal: null }, logprobs: null, finish_reason: 'length' },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    });
  });

  it('rebuilds usage from the token classes when the stream carried none', () => {
    const body = parse(assembleResponse({ api: 'openai', sse: sse([chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }])]), usage }));
    expect(body['usage']).toEqual({
      prompt_tokens: 128,
      completion_tokens: 50,
      total_tokens: 178,
      prompt_tokens_details: { cached_tokens: 20 },
      completion_tokens_details: { reasoning_tokens: 10 },
    });
  });

  it('does not rebuild what it cannot replay: logprobs, audio, an unfinished choice, an error', () => {
    const fold = (events: unknown[]) => assembleResponse({ api: 'openai', sse: sse(events), usage });
    expect(fold([chunk([{ index: 0, delta: { content: 'a' }, logprobs: { content: [] }, finish_reason: 'stop' }])])).toBeNull();
    expect(fold([chunk([{ index: 0, delta: { audio: { id: 'x' } }, finish_reason: 'stop' }])])).toBeNull();
    expect(fold([chunk([{ index: 0, delta: { content: 'a' }, finish_reason: null }])])).toBeNull();
    expect(fold([chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }]), { error: { message: 'x' } }])).toBeNull();
  });
});

const start = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, cache_read_input_tokens: 2, output_tokens: 1 } } };
const end = (stop: string) => [
  { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { input_tokens: 9, output_tokens: 30 } },
  { type: 'message_stop' },
];

describe('assembleResponse (Anthropic messages)', () => {
  it('keeps thinking with its signature, text, tool input, the stop reason and cumulative usage', () => {
    const events = [
      start,
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Hmm, ' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'yes.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Sure' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":[1,' } },
      { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '2]}' } },
      { type: 'content_block_stop', index: 2 },
      { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} } },
      { type: 'content_block_stop', index: 3 },
      ...end('tool_use'),
    ];
    expect(parse(assembleResponse({ api: 'anthropic', sse: sse(events, true), usage }))).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'thinking', thinking: 'Hmm, yes.', signature: 'sig==' },
        { type: 'text', text: 'Sure' },
        { type: 'tool_use', id: 'toolu_a', name: 'f', input: { x: [1, 2] } },
        { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 9, cache_read_input_tokens: 2, output_tokens: 30 },
    });
  });

  it('does not rebuild incomplete tool input, an error event, an unknown delta or a stream without its end', () => {
    const fold = (events: unknown[]) => assembleResponse({ api: 'anthropic', sse: sse(events, true), usage });
    const tool = { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: 'f', input: {} } };
    expect(fold([start, tool, { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"x":' } }, { type: 'content_block_stop', index: 0 }, ...end('tool_use')])).toBeNull();
    expect(fold([start, tool, ...end('tool_use')])).toBeNull();
    expect(fold([start, { type: 'error', error: { type: 'overloaded_error' } }])).toBeNull();
    const text = { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
    expect(fold([start, text, { type: 'content_block_delta', index: 0, delta: { type: 'novel_delta' } }, ...end('end_turn')])).toBeNull();
    expect(fold([start, text, { type: 'content_block_stop', index: 0 }, end('end_turn')[0]])).toBeNull();
    expect(fold([start, text, { type: 'content_block_stop', index: 0 }, ...end('end_turn')])).not.toBeNull();
  });
});
