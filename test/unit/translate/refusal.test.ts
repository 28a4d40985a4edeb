import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/errors.js';
import { toAnthropicRequest, toOpenAIRequest } from '../../../src/translate/index.js';

function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a refusal');
}

const hello = [{ role: 'user', content: 'hello' }];
const tool = { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } };

describe('OpenAI fields Anthropic cannot honour', () => {
  it.each<[string, Record<string, unknown>]>([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['presence_penalty', { presence_penalty: -1 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['seed', { seed: 42 }],
    ['response_format', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['audio', { audio: { voice: 'alloy', format: 'wav' } }],
    ['reasoning_effort', { reasoning_effort: 'high' }],
    ['verbosity', { verbosity: 'low' }],
    ['web_search_options', { web_search_options: {} }],
    ['service_tier', { service_tier: 'flex' }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['function_call', { function_call: 'auto' }],
    ['temperature', { temperature: 1.5 }],
    ['some_new_field', { some_new_field: true }],
    ['tool_choice', { tools: [tool], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }],
    ['tools[0]', { tools: [{ type: 'custom', custom: { name: 'grammar' } }] }],
    ['messages[0].name', { messages: [{ role: 'user', content: 'hi', name: 'alice' }] }],
    ['messages[0].role', { messages: [{ role: 'function', name: 'f', content: '1' }] }],
    ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }] }],
    ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }],
    ['messages[0].content[0].image_url', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }] }],
    ['messages[1]', { messages: [...hello, { role: 'system', content: 'late system prompt' }] }],
    ['messages', { messages: [...hello, { role: 'assistant', content: 'prefill' }] }],
    ['messages[1].tool_calls[0].function.arguments', {
      messages: [...hello, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1]' } }] }],
    }],
  ])('refuses %s', (param, extra) => {
    const err = refusal(() => toAnthropicRequest({ model: 'm', messages: hello, ...extra }, { model: 'c', defaultMaxTokens: 10 }));
    expect(err.code).toBe('unsupported_format');
    expect(err.status).toBe(400);
    expect(err.details?.['param']).toBe(param);
    expect(err.message).toContain(`"${param}"`);
  });

  it('accepts neutral values and drops hints that cannot change the answer', () => {
    const body = {
      model: 'm', messages: hello, n: 1, logprobs: false, frequency_penalty: 0, presence_penalty: 0, logit_bias: {},
      response_format: { type: 'text' }, modalities: ['text'], service_tier: 'auto', store: true, metadata: { app: 'x' },
      prompt_cache_key: 'k', prediction: { type: 'content', content: 'x' }, stream_options: { include_usage: true },
    };
    expect(Object.keys(toAnthropicRequest(body, { model: 'c', defaultMaxTokens: 10 }))).toEqual(['model', 'max_tokens', 'messages']);
  });
});

describe('Anthropic fields OpenAI cannot honour', () => {
  it.each<[string, Record<string, unknown>]>([
    ['thinking', { thinking: { type: 'enabled', budget_tokens: 2048 } }],
    ['thinking', { thinking: { type: 'adaptive' } }],
    ['top_k', { top_k: 40 }],
    ['output_config', { output_config: { effort: 'low' } }],
    ['mcp_servers', { mcp_servers: [{ type: 'url', url: 'https://mcp.example.com', name: 'x' }] }],
    ['container', { container: 'container_1' }],
    ['inference_geo', { inference_geo: 'us' }],
    ['metadata.session', { metadata: { user_id: 'u', session: 's' } }],
    ['tools[0].type', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }],
    ['tool_choice.type', { tool_choice: { type: 'sometimes' } }],
    ['messages[0].content[0]', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://x/a.pdf' } }] }] }],
    ['messages[0].content[0].source', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }],
    ['messages[0].content[0].content[0]', {
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x/i.png' } }] }] }],
    }],
    ['messages', { messages: [...hello, { role: 'assistant', content: 'The answer is' }] }],
  ])('refuses %s', (param, extra) => {
    const err = refusal(() => toOpenAIRequest({ model: 'm', max_tokens: 10, messages: hello, ...extra }, { model: 'g', streamUsage: true }));
    expect(err.code).toBe('unsupported_format');
    expect(err.details?.['param']).toBe(param);
  });

  it('accepts disabled thinking and drops caching and capacity hints', () => {
    const body = {
      model: 'm', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] }],
      thinking: { type: 'disabled' }, cache_control: { type: 'ephemeral' }, service_tier: 'standard_only',
    };
    expect(toOpenAIRequest(body, { model: 'g', streamUsage: true })).toEqual({
      model: 'g', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10,
    });
  });
});
