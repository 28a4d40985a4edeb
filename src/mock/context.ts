/** Options and the state every handler shares: resolved once at start, read on every request. */
import type { MockStats } from './stats.js';

export interface MockOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delay before the response headers, for every request (a directive's first_byte_delay_ms wins). */
  latencyMs?: number;
  /** Completion tokens per reply when no directive says otherwise. Default 16. */
  tokens?: number;
  /** Delay between stream chunks (a directive's chunk_delay_ms wins). Default 0: one write. */
  chunkDelayMs?: number;
  /** Fraction (0..1) of provider requests answered with a 500 in the provider's error shape. */
  failRate?: number;
  /**
   * Benchmarks: grow non-streaming replies with more words until the body is about this many bytes.
   * Usage still counts every word, so the numbers stay exact. Default: no padding.
   */
  responseBytes?: number;
  /** Length of embedding vectors when the request gives no `dimensions`. Default 8. */
  embeddingDimensions?: number;
}

export type ResolvedOptions = Required<Omit<MockOptions, 'responseBytes'>> & {
  responseBytes: number | undefined;
};

export function resolveOptions(opts: MockOptions = {}): ResolvedOptions {
  return {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    latencyMs: nonNegative(opts.latencyMs, 0),
    tokens: Math.floor(nonNegative(opts.tokens, 16)),
    chunkDelayMs: nonNegative(opts.chunkDelayMs, 0),
    failRate: Math.min(1, nonNegative(opts.failRate, 0)),
    responseBytes: opts.responseBytes,
    embeddingDimensions: Math.max(1, Math.floor(nonNegative(opts.embeddingDimensions, 8))),
  };
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

export interface MockContext {
  opts: ResolvedOptions;
  stats: MockStats;
  /** Default completion tokens of non-streamed replies, grown to honour `responseBytes`. */
  paddedTokens: { openai: number; anthropic: number };
  /** Cancels for timers still pending on open responses; close() runs them all. */
  pending: Set<() => void>;
}

/** The status a request must fail with because of `failRate`, if any. */
export function injectedFailure(ctx: MockContext): number | undefined {
  return ctx.opts.failRate > 0 && Math.random() < ctx.opts.failRate ? 500 : undefined;
}
