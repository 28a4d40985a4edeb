/**
 * Stage 6 — meter: final token counts and the integer cost. When a call reached the provider but its
 * usage never arrived (a stream cut or aborted), count with a tokenizer and mark the row estimated.
 */
import { costOf } from '../pricing/price-book.js';
import type { CallContext } from './context.js';

type CountTokens = (text: string) => number;
let counter: Promise<CountTokens> | undefined;

/** The tokenizer is loaded on first use only: most gateways never need it. */
function tokenizer(): Promise<CountTokens> {
  counter ??= import('gpt-tokenizer').then((m) => m.countTokens as CountTokens);
  return counter;
}

export function promptText(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const add = (v: unknown): void => {
    if (typeof v === 'string') parts.push(v);
    else if (Array.isArray(v)) for (const x of v) add(x);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      add(o['text']);
      add(o['content']);
    }
  };
  add(body['system']);
  add(body['messages']);
  add(body['input']);
  return parts.join('\n');
}

export async function meter(ctx: CallContext): Promise<void> {
  const needsEstimate = ctx.upstreamSent && !ctx.usageComplete && !(ctx.firstByteAt !== null && !ctx.upstreamOk);
  if (needsEstimate) {
    const count = await tokenizer();
    if (!ctx.promptKnown) {
      ctx.usage.input = count(promptText(ctx.body));
      ctx.usage.cachedInput = 0;
    }
    const generated = ctx.generatedText ? count(ctx.generatedText) : 0;
    ctx.usage.output = Math.max(ctx.usage.output, generated - ctx.usage.reasoning);
    ctx.estimated = true;
  }
  ctx.costNanos = ctx.target?.rates ? costOf(ctx.target.rates, ctx.usage) : 0;
}
