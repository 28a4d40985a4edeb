/** OpenAI `tools`, `tool_choice` and `parallel_tool_calls` -> Anthropic `tools` and `tool_choice`. */
import { isObject, isUnset, type JsonObject } from './json-value.js';
import { unsupported } from './refusal.js';

const FUNCTION_FIELDS = new Set(['name', 'description', 'parameters', 'strict']);

function convertTool(tool: unknown, where: string): JsonObject {
  const fn = isObject(tool) ? tool['function'] : undefined;
  if (!isObject(tool) || tool['type'] !== 'function' || !isObject(fn)) {
    throw unsupported(where, 'only function tools can be translated');
  }
  for (const field of Object.keys(fn)) {
    if (!FUNCTION_FIELDS.has(field) && !isUnset(fn[field])) throw unsupported(`${where}.function.${field}`, 'it has no Anthropic equivalent');
  }
  const name = fn['name'];
  if (typeof name !== 'string') throw unsupported(`${where}.function.name`, 'a tool needs a name');
  const parameters = fn['parameters'];
  if (!isUnset(parameters) && (!isObject(parameters) || parameters['type'] !== 'object')) {
    throw unsupported(`${where}.function.parameters`, 'Anthropic input_schema must be a JSON schema of type "object"');
  }
  const out: JsonObject = { name };
  if (typeof fn['description'] === 'string') out['description'] = fn['description'];
  // OpenAI lets a function take no parameters; Anthropic always wants a schema.
  out['input_schema'] = isObject(parameters) ? parameters : { type: 'object', properties: {} };
  if (typeof fn['strict'] === 'boolean') out['strict'] = fn['strict'];
  return out;
}

export function convertToolsToAnthropic(tools: unknown): JsonObject[] | undefined {
  if (isUnset(tools)) return undefined;
  if (!Array.isArray(tools)) throw unsupported('tools', 'it must be an array');
  return tools.length === 0 ? undefined : tools.map((tool: unknown, i) => convertTool(tool, `tools[${i}]`));
}

function choiceOf(toolChoice: unknown): JsonObject | undefined {
  if (isUnset(toolChoice)) return undefined;
  if (toolChoice === 'auto') return { type: 'auto' };
  if (toolChoice === 'none') return { type: 'none' };
  if (toolChoice === 'required') return { type: 'any' };
  if (isObject(toolChoice) && toolChoice['type'] === 'function') {
    const fn = toolChoice['function'];
    if (isObject(fn) && typeof fn['name'] === 'string') return { type: 'tool', name: fn['name'] };
  }
  throw unsupported('tool_choice', 'only "auto", "none", "required" and one named function can be translated');
}

/**
 * `parallel_tool_calls: false` means at most one call per reply: Anthropic's `disable_parallel_tool_use`,
 * which lives on tool_choice (so an absent choice becomes an explicit "auto"). Without tools it has no effect.
 */
export function convertToolChoiceToAnthropic(toolChoice: unknown, parallelToolCalls: unknown, hasTools: boolean): JsonObject | undefined {
  const choice = choiceOf(toolChoice);
  if (parallelToolCalls !== false || !hasTools) return choice;
  const base = choice ?? { type: 'auto' };
  return base['type'] === 'none' ? base : { ...base, disable_parallel_tool_use: true };
}
