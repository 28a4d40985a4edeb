/** Why generation stopped, in each API's words. */

/** Anthropic `stop_reason` -> OpenAI `finish_reason`. */
export function openaiFinishReason(stopReason: unknown): string {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    // end_turn, stop_sequence, pause_turn (server tools, which are refused) and anything new.
    default:
      return 'stop';
  }
}

/**
 * OpenAI `finish_reason` -> Anthropic `stop_reason`. OpenAI does not say whether a stop sequence
 * fired, so `stop` is always `end_turn` (and `stop_sequence` stays null).
 */
export function anthropicStopReason(finishReason: unknown, refused = false): string {
  if (refused) return 'refusal';
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
