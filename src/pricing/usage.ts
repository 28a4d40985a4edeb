/**
 * Tollgate's token classes. They never overlap:
 *   input + cachedInput + cacheWrite5m + cacheWrite1h = the whole prompt,
 *   output + reasoning = everything generated,
 * for every provider. Provider adapters convert their own semantics into this.
 */
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
}

export function emptyUsage(): TokenUsage {
  return { input: 0, cachedInput: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0 };
}

export function promptTokens(u: TokenUsage): number {
  return u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h;
}
