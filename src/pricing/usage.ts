/**
 * Tollgate's token classes. They never overlap:
 *   input + cachedInput + cacheWrite5m + cacheWrite1h = the whole prompt,
 *   output + reasoning = everything generated,
 * for every provider. Provider adapters convert their own semantics into this.
 */
/**
 * The most tokens of one class one call can hold: ten times the largest context window there is. What
 * a provider reports (or a usage log claims) beyond it is a broken or hostile number: 2^53 would price
 * one call at billions of dollars and carry the ledger's integer sums past 64 bits.
 */
export const MAX_CALL_TOKENS = 100_000_000;

/** The most one call's recorded cost can be: $1 million (well above MAX_CALL_TOKENS at any price). */
export const MAX_CALL_COST_NANOS = 1_000_000 * 1_000_000_000;

export interface TokenUsage {
  /** Uncached prompt tokens. */
  input: number;
  /** Prompt tokens read from the provider's cache. */
  cachedInput: number;
  /** Prompt tokens written to the cache with the default (5 minute) lifetime. */
  cacheWrite5m: number;
  /** Prompt tokens written to the cache with a 1 hour lifetime. */
  cacheWrite1h: number;
  /** Generated tokens that are not reasoning. */
  output: number;
  /** Reasoning ("thinking") tokens, billed as output. */
  reasoning: number;
  /**
   * Web searches the provider ran for the call and bills per search, apart from tokens (Anthropic's
   * `server_tool_use.web_search_requests`); absent when there were none.
   */
  webSearches?: number;
  /**
   * Requests the provider bills per request, apart from tokens and searches (Chat Completions search
   * models, Perplexity's Sonar): 1 for a call the provider answered (or may bill, when estimated);
   * absent when none (a refused or failed call, a count of tokens alone).
   */
  requests?: number;
}

export function emptyUsage(): TokenUsage {
  return { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

export function promptTokens(u: TokenUsage): number {
  return u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h;
}
