/**
 * Server tools: tools the provider runs itself within one call (Anthropic's web search and web fetch
 * tools, the Responses API's web search tool). What they find is put into the model's context and
 * billed as input tokens, which the request's bytes do not bound; web searches are billed per search
 * on top. The worst-case reservation (reserve.ts) counts both from the tools the request offers.
 */
import { MAX_CALL_TOKENS } from '../pricing/usage.js';

/** Uses of a server tool that sets no `max_uses` (the Responses API's web search tool has none). */
export const SERVER_TOOL_USES = 20;

/**
 * Input tokens one web search's results may add. No provider publishes a bound: a search brings back
 * several pages' content. 25,000 is ten pages at the ~2,500 tokens Anthropic's web fetch documentation
 * gives for an average (10 KB) web page, and over the 8,000-token block OpenAI bills per search on its
 * mini models. A model's `web_search_tokens` in the config sets its own.
 */
export const DEFAULT_WEB_SEARCH_TOKENS = 25_000;

/** Input tokens one web fetch may add without `max_content_tokens`: as a file or document part. */
export const WEB_FETCH_TOKENS = 100_000;

interface ServerTool {
  type?: unknown;
  max_uses?: unknown;
  max_content_tokens?: unknown;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** How many times a server tool may run in the call: its `max_uses` (at most 1,000), else SERVER_TOOL_USES. */
function usesOf(tool: ServerTool): number {
  return isCount(tool.max_uses) ? Math.min(tool.max_uses, 1_000) : SERVER_TOOL_USES;
}

function kindOf(tool: ServerTool | null): 'search' | 'fetch' | null {
  const t = tool?.type;
  if (typeof t !== 'string') return null;
  if (t.startsWith('web_search')) return 'search';
  if (t.startsWith('web_fetch')) return 'fetch';
  return null;
}

/** How many web searches the request's server tools may run (billed per search, apart from tokens). */
export function webSearchBound(body: Record<string, unknown>): number {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return 0;
  let n = 0;
  for (const t of tools) if (kindOf(t as ServerTool | null) === 'search') n += usesOf(t as ServerTool);
  return n;
}

/**
 * Input tokens the request's server tools may add: `searchTokens` per allowed web search, and per
 * allowed web fetch its tool's `max_content_tokens` (WEB_FETCH_TOKENS without one). At most
 * MAX_CALL_TOKENS, the most a call's usage is counted at.
 */
export function serverToolTokens(body: Record<string, unknown>, searchTokens: number): number {
  const tools = body['tools'];
  if (!Array.isArray(tools)) return 0;
  let n = 0;
  for (const t of tools) {
    const tool = t as ServerTool | null;
    const kind = kindOf(tool);
    if (kind === 'search') n += usesOf(tool!) * searchTokens;
    else if (kind === 'fetch') {
      const max = tool!.max_content_tokens;
      n += usesOf(tool!) * (isCount(max) && max > 0 ? Math.min(max, MAX_CALL_TOKENS) : WEB_FETCH_TOKENS);
    }
  }
  return Math.min(n, MAX_CALL_TOKENS);
}
