/** Anthropic `tools` and `tool_choice` -> OpenAI `tools`, `tool_choice` and `parallel_tool_calls`. */
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { unsupported } from './refusal.js';

/** Tool fields mapped, or dropped as hints with no effect on the answer (caching, input streaming). */
const TOOL_FIELDS = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control', 'eager_input_streaming']);

function convertTool(tool: unknown, where: string): JsonObject {
  if (!isObject(tool)) throw unsupported(where, 'a tool must be an object');
  // Client tools have no type or type "custom"; typed ones (web_search_..., bash_..., text_editor_...) run on Anthropic's side.
  if (!isUnset(tool['type']) && tool['type'] !== 'custom') {
    throw unsupported(`${where}.type`, `Anthropic server or built-in tools ("${String(tool['type'])}") have no OpenAI equivalent`);
  }
  for (const field of Object.keys(tool)) {
    if (!TOOL_FIELDS.has(field) && !isUnset(tool[field])) throw unsupported(`${where}.${field}`, 'it has no OpenAI equivalent');
  }
  const { name, input_schema: schema } = tool;
  if (typeof name !== 'string' || !isObject(schema)) throw unsupported(where, 'a tool needs a name and an input_schema');
  const fn: JsonObject = { name };
  if (typeof tool['description'] === 'string') fn['description'] = tool['description'];
  fn['parameters'] = schema;
  if (typeof tool['strict'] === 'boolean') fn['strict'] = tool['strict'];
  return { type: 'function', function: fn };
}

export function convertToolsToOpenAI(tools: unknown): JsonObject[] | undefined {
  if (isUnset(tools)) return undefined;
  if (!Array.isArray(tools)) throw unsupported('tools', 'it must be an array');
  return tools.length === 0 ? undefined : tools.map((tool: unknown, i) => convertTool(tool, `tools[${i}]`));
}

export interface OpenAIToolChoice {
  toolChoice: string | JsonObject | undefined;
  /** false when Anthropic's disable_parallel_tool_use was set. */
  parallelToolCalls: false | undefined;
}

export function convertToolChoiceToOpenAI(choice: unknown): OpenAIToolChoice {
  if (isUnset(choice)) return { toolChoice: undefined, parallelToolCalls: undefined };
  if (!isObject(choice)) throw unsupported('tool_choice', 'it must be an object');
  const parallelToolCalls = choice['disable_parallel_tool_use'] === true ? false : undefined;
  switch (choice['type']) {
    case 'auto':
      return { toolChoice: 'auto', parallelToolCalls };
    case 'any':
      return { toolChoice: 'required', parallelToolCalls };
    case 'none':
      return { toolChoice: 'none', parallelToolCalls: undefined };
    case 'tool':
      if (typeof choice['name'] === 'string') {
        return { toolChoice: { type: 'function', function: { name: choice['name'] } }, parallelToolCalls };
      }
      throw unsupported('tool_choice.name', 'a "tool" choice needs a tool name');
    default:
      throw unsupported('tool_choice.type', `"${String(choice['type'])}" is not a tool choice OpenAI knows`);
  }
}
