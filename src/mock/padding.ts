/**
 * `responseBytes` support: how many reply words a non-streamed body needs to reach about that size.
 * Computed once at start from a sample body, so requests pay nothing for it.
 */
import { completionBody } from './openai-chat.js';
import { messageBody } from './anthropic.js';
import type { ResolvedOptions } from './context.js';
import { planReply, type ReplyPlan } from './reply-plan.js';
import { AVERAGE_WORD_BYTES } from './words.js';

function samplePlan(tokens: number): ReplyPlan {
  return planReply({
    countedPromptTokens: 100,
    directive: undefined,
    defaultTokens: tokens,
    latencyMs: 0,
    chunkDelayMs: 0,
    maxTokens: undefined,
    hasTools: false,
  });
}

function wordsFor(opts: ResolvedOptions, bodyOf: (plan: ReplyPlan) => string): number {
  if (opts.responseBytes === undefined) return opts.tokens;
  const overhead = Buffer.byteLength(bodyOf(samplePlan(0)));
  return Math.max(opts.tokens, Math.ceil((opts.responseBytes - overhead) / AVERAGE_WORD_BYTES));
}

export function paddedTokens(opts: ResolvedOptions): { openai: number; anthropic: number } {
  return {
    openai: wordsFor(opts, (plan) => completionBody(plan, 'gpt-4o-mini')),
    anthropic: wordsFor(opts, (plan) => messageBody(plan, 'claude-sonnet-4-5')),
  };
}
