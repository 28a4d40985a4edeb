/**
 * What the guard keeps of a request and of a response: sketches and a few numbers, never the text.
 *
 * The request side sketches only the NEW part of a prompt: the last assistant turn (what the agent
 * just did) and everything after it (tool results, the next user message). An agent loop resends its
 * whole growing conversation every call; hashing all of it would cost more each call and hide the
 * repetition in the shared history. Pairing the action with its result is what makes "the same step
 * again" recognisable (OpenHands compares action/observation pairs), while "file written" after two
 * different edits stays different. A conversation with no assistant turn yet is `fresh`.
 * System prompts are left out: they are the same on every call of an agent.
 */
import { substanceRanges } from './affirmation.js';
import { sampleOf, ShingleSample } from './novelty.js';
import { Sketcher, type SegmentLimits, type Sketch } from './sketch.js';
import { canonicalArguments, toolCallsKey, type ToolCall } from './tool-key.js';

/**
 * Per message part: its first and last 2 KB; per request: 8 KB read at most, whatever the prompt
 * size. This bounds the guard's work per call (reading a character costs about as much as
 * everything else it does per word), and a near-duplicate is near-identical at both ends anyway.
 */
const SEGMENT: SegmentLimits = { head: 2_048, tail: 2_048 };
const REQUEST_BUDGET = 8_192;
/** Output text read at most (the gateway passes a few KB). */
const OUTPUT_BUDGET = 8_192;

export interface RequestDigest {
  sketch: Sketch;
  words: number;
  fresh: boolean;
}

export interface OutputDigest {
  sketch: Sketch;
  words: number;
  /** Shingles of the text (not of tool calls) for the novelty measure; valid until the next digestOutput. */
  sample: ShingleSample;
  affirmation: boolean;
  toolKey: string | null;
  /** Tool names, for evidence ("read_file, grep"). */
  toolNames: string | null;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Responses API items that are the model's own turn (it has no assistant message around its tool calls). */
const MODEL_ITEMS = new Set(['function_call', 'custom_tool_call']);

/** Whether a message or item is the model's turn: an assistant message, or a Responses tool-call item. */
function isModelTurn(m: Json): boolean {
  return m['role'] === 'assistant' || MODEL_ITEMS.has(m['type'] as string);
}

/** Feeds the texts of one message (any API shape, Responses items included) to `add`. */
function messageTexts(message: Json, add: (text: string) => void): void {
  const type = message['type'];
  if (MODEL_ITEMS.has(type as string) && typeof message['name'] === 'string') {
    const args = message['arguments'] ?? message['input'];
    add(`${message['name']} ${typeof args === 'string' ? args : ''}`);
    return;
  }
  if ((type === 'function_call_output' || type === 'custom_tool_call_output') && typeof message['output'] === 'string') {
    add(message['output']);
    return;
  }
  const content = message['content'];
  if (typeof content === 'string') add(content);
  else if (Array.isArray(content)) {
    for (const part of content) {
      if (!isObject(part)) continue;
      if (typeof part['text'] === 'string') add(part['text']);
      else if (part['type'] === 'tool_result') {
        const inner = part['content'];
        if (typeof inner === 'string') add(inner);
        else if (Array.isArray(inner)) for (const p of inner) if (isObject(p) && typeof p['text'] === 'string') add(p['text']);
      } else if (part['type'] === 'tool_use' && typeof part['name'] === 'string') {
        add(`${part['name']} ${JSON.stringify(part['input'] ?? {})}`);
      }
    }
  }
  const toolCalls = message['tool_calls'];
  if (Array.isArray(toolCalls)) {
    for (const call of toolCalls) {
      const fn = isObject(call) ? call['function'] : undefined;
      if (isObject(fn) && typeof fn['name'] === 'string') {
        add(`${fn['name']} ${typeof fn['arguments'] === 'string' ? fn['arguments'] : ''}`);
      }
    }
  }
}

const requestHasher = new Sketcher();

/** The sketch of a request's new part. */
export function digestRequest(messages: readonly unknown[]): RequestDigest {
  let start = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && isModelTurn(m)) {
      start = i;
      break;
    }
  }
  // Parallel tool calls are one Responses item each: the turn starts at the first of them.
  while (start > 0 && isObject(messages[start]) && MODEL_ITEMS.has((messages[start] as Json)['type'] as string)) {
    const prev = messages[start - 1];
    if (!isObject(prev) || !MODEL_ITEMS.has(prev['type'] as string)) break;
    start--;
  }
  const hasher = requestHasher.reset();
  let budget = REQUEST_BUDGET;
  const add = (text: string): void => {
    if (budget <= 0 || text.length === 0) return;
    hasher.add(text, SEGMENT);
    budget -= Math.min(text.length, SEGMENT.head + SEGMENT.tail);
  };
  for (let i = Math.max(start, 0); i < messages.length; i++) {
    const m = messages[i];
    if (!isObject(m) || m['role'] === 'system' || m['role'] === 'developer') continue;
    messageTexts(m, add);
  }
  return { sketch: hasher.sketch(), words: hasher.wordCount, fresh: start < 0 };
}

const outputHasher = new Sketcher();
const outputSample = new ShingleSample();
/** Clause ranges of an output (OUTPUT_BUDGET characters have at most OUTPUT_BUDGET / 2 clauses). */
const clauses = new Int32Array(OUTPUT_BUDGET + 2);

/**
 * The sketch, novelty sample and shape of a response: its text and the tool calls it made. Novelty is
 * about text; whether a tool call is new is judged exactly, by its canonical key.
 */
export function digestOutput(text: string, toolCalls: readonly ToolCall[], ackMaxWords: number): OutputDigest {
  const sample = outputSample.reset();
  const hasher = outputHasher.reset();
  const body = text.length > OUTPUT_BUDGET ? text.slice(0, OUTPUT_BUDGET) : text;
  const count = substanceRanges(body, ackMaxWords, clauses);
  // Novelty is measured on what the text says beyond its acknowledgements.
  for (let i = 0; i < count; i++) hasher.addRange(body, clauses[2 * i]!, clauses[2 * i + 1]!, sample.collect);
  for (const call of toolCalls) hasher.add(`${call.name} ${canonicalArguments(call.arguments)}`);
  const names = toolCalls.length > 0 ? [...new Set(toolCalls.map((c) => c.name))].join(', ') : null;
  return {
    sketch: hasher.sketch(),
    words: hasher.wordCount,
    sample,
    affirmation: toolCalls.length === 0 && count === 0 && body.trim() !== '',
    toolKey: toolCallsKey(toolCalls),
    toolNames: names,
  };
}

/**
 * An output's digest as plain data (`sample` holds the hashes the novelty measure reads): what the
 * guard consumes of a response, small enough to keep in the ledger so replay can run the guard
 * without the text.
 */
export interface OutputFeatures {
  sketch: Sketch;
  words: number;
  sample: number[];
  affirmation: boolean;
  toolKey: string | null;
  toolNames: string | null;
}

export function outputFeatures(text: string, toolCalls: readonly ToolCall[], ackMaxWords: number): OutputFeatures {
  const d = digestOutput(text, toolCalls, ackMaxWords);
  return { sketch: d.sketch, words: d.words, sample: sampleOf(d.sample), affirmation: d.affirmation, toolKey: d.toolKey, toolNames: d.toolNames };
}
