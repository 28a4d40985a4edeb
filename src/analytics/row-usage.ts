/** A ledger row's usage as the price book reads it, for pricing a recorded call again (replay, waste). */
import type { TokenUsage } from '../pricing/usage.js';
import type { CallRow } from '../storage/types.js';

/**
 * The row's token classes and web searches, plus the one request a model priced per request (search models) bills: a
 * call that was answered, or estimated because it may have been; a refused or failed call bills none.
 */
export function rowUsage(row: CallRow): TokenUsage {
  const u: TokenUsage = {
    input: row.inputTokens,
    cachedInput: row.cachedInputTokens,
    cacheWrite5m: row.cacheWrite5mTokens,
    cacheWrite1h: row.cacheWrite1hTokens,
    output: row.outputTokens,
    reasoning: row.reasoningTokens,
  };
  if (row.webSearches > 0) u.webSearches = row.webSearches;
  if (row.status === 'ok' || row.estimated) u.requests = 1;
  return u;
}
