/**
 * POST /v1/messages/count_tokens (Anthropic's SDK `messages.countTokens`, used by coding agents to
 * manage their context): an estimate of the request's input tokens with the o200k tokenizer, answered
 * by Tollgate itself. Images and documents, which the tokenizer cannot see, count at the bounds the
 * worst-case reservation holds for them on that model (an agent trimming its context by this count
 * must not be surprised by a reservation or a provider refusal). Counting is free at the provider too, so nothing is reserved or recorded. The
 * header `x-tollgate-estimate: o200k` says the count is Tollgate's, not the provider's own tokenizer's.
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
  const { model, ...body } = validateCountTokens(await readBody(req, deps.config.server.max_body_bytes));
  const served = deps.models.get(model);
  if (!served) throw new GatewayError('unknown_model', `Unknown model ${model}.`);
  if (!mayUse(key, model)) throw new GatewayError('model_not_allowed', `This key may not use ${model}.`);
  const inputTokens = (await countPromptTokens(body)) + mediaPromptTokens(body, served.imageTokens);
  const text = JSON.stringify({ input_tokens: inputTokens });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-tollgate-estimate': 'o200k' });
  res.end(text);
}
