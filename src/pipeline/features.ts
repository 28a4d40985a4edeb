/**
 * The replay features of a call (storage/types.ts `CallFeatures`): what its budget, routing, cache and
 * run-guard decisions were made on, taken from what the stages already computed (`ctx.seen`) plus a
 * few header and body reads. Never prompt text.
 */
import { utf8 } from './attribute.js';
import type { CallFeatures } from '../storage/types.js';
import type { CallContext } from './context.js';
import { hasImages, promptItems } from './route.js';

function choicesOf(body: Record<string, unknown>): number {
  const n = body['n'];
  return typeof n === 'number' && n > 1 ? n : 1;
}

/** The output bound the client gave (times choices), or null; no default is injected here. */
function givenOutput(ctx: CallContext, n: number): number | null {
  if (ctx.endpoint === 'embeddings') return 0;
  const b = ctx.body;
  const given = ctx.endpoint === 'messages' ? b['max_tokens'] : ctx.endpoint === 'responses' ? b['max_output_tokens'] : (b['max_completion_tokens'] ?? b['max_tokens']);
  return typeof given === 'number' ? given * n : null;
}

export function callFeatures(ctx: CallContext): CallFeatures | null {
  if (ctx.rawBody.length === 0) return null;
  const s = ctx.seen;
  const b = ctx.body;
  const n = choicesOf(b);
  const tools = b['tools'];
  const route = ctx.req.headers['x-tollgate-route'];
  const cc = ctx.req.headers['cache-control'];
  return {
    // The body as received: reserve may have spliced max_tokens into it since.
    bytes: s.bytes ?? ctx.rawBody.length,
    promptBound: s.promptBound,
    outputBound: s.outputBound ?? givenOutput(ctx, n),
    choices: n,
    tools: Array.isArray(tools) && tools.length > 0,
    images: s.images ?? hasImages(promptItems(b)),
    // As route rules matched it (read as UTF-8), so replay matches the same.
    routeHeader: typeof route === 'string' ? utf8(route).slice(0, 200) : null,
    noCache: typeof cc === 'string' && /no-cache|no-store/i.test(cc),
    unlimited: ctx.key?.unlimited ?? false,
    upstreamStatus: ctx.upstreamStatus,
    request: s.request ? { sketch: s.request.sketch, words: s.request.words, fresh: s.request.fresh } : null,
    output: s.output,
  };
}
