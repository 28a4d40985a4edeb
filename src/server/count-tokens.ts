/**
 * POST /v1/messages/count_tokens (Anthropic's SDK `messages.countTokens`, used by coding agents to
 * manage their context): an estimate of the request's input tokens with the o200k tokenizer, answered
 * by Tollgate itself. Images and documents, which the tokenizer cannot see, count at the bounds the
 * worst-case reservation holds for them on that model (an agent trimming its context by this count
 * must not be surprised by a reservation or a provider refusal). Counting is free at the provider too, so nothing is reserved or recorded. The
 * header `x-tollgate-estimate: o200k` says the count is Tollgate's, not the provider's own tokenizer's.
 * A key may count `server.count_tokens_rpm` times a minute on an instance (the tokenizer's CPU is
 * Tollgate's own); past that it gets Anthropic's 429 rate_limit_error with Retry-After.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { authenticate } from '../pipeline/authenticate.js';
import type { GatewayDeps } from '../pipeline/deps.js';
import { countPromptTokens } from '../pipeline/meter.js';
import { mediaPromptTokens } from '../pipeline/reserve.js';
import { mayUse } from '../pipeline/route.js';
import { validateCountTokens } from '../pipeline/validate.js';
import { readBody } from './read-body.js';

export async function countTokens(deps: GatewayDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const key = authenticate(deps, req.headers);
  admitCount(deps, key.id);
  const { model, ...body } = validateCountTokens(await readBody(req, deps.config.server.max_body_bytes));
  const served = deps.models.get(model);
  if (!served) throw new GatewayError('unknown_model', `Unknown model ${model}.`);
  if (!mayUse(key, model)) throw new GatewayError('model_not_allowed', `This key may not use ${model}.`);
  const inputTokens = (await countPromptTokens(body)) + mediaPromptTokens(body, served.imageTokens);
  const text = JSON.stringify({ input_tokens: inputTokens });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-tollgate-estimate': 'o200k' });
  res.end(text);
}

/** Counts per key in the current minute-long window (started by the key's first count in it), per gateway. */
type Windows = Map<string, { count: number; since: number }>;
const byGateway = new WeakMap<GatewayDeps, Windows>();
const WINDOW_MS = 60_000;
/** Keys tracked at most: past it the windows start over (a bound on memory, not on any one key). */
const MAX_KEYS = 100_000;

/** Count one token count for `keyId`, or refuse it (429) once the key used its allowance this window. */
function admitCount(deps: GatewayDeps, keyId: string): void {
  const perMinute = deps.config.server.count_tokens_rpm;
  if (perMinute === null) return;
  let windows = byGateway.get(deps);
  if (!windows) byGateway.set(deps, (windows = new Map()));
  const now = deps.now();
  let w = windows.get(keyId);
  if (!w || now - w.since >= WINDOW_MS) {
    if (!w && windows.size >= MAX_KEYS) windows.clear();
    windows.set(keyId, (w = { count: 0, since: now }));
  }
  if (w.count >= perMinute) {
    const retry = Math.max(1, Math.ceil((w.since + WINDOW_MS - now) / 1000));
    throw new GatewayError('rate_limited', `This key asked for more than ${perMinute} token counts a minute; retry in ${retry} s.`, {
      details: { retry_after_seconds: retry },
    });
  }
  w.count++;
}
