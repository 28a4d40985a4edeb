/**
 * Stage 5 — call the provider: send the prepared request over the provider's pooled connections and
 * relay the answer to the client. A non-streaming answer is collected whole, then relayed; a stream
 * is relayed chunk by chunk as it arrives (relay-stream.ts). An error answer before any byte reached
 * the client is thrown, for the fallback chain to act on.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError, type ProviderErrorFields } from '../errors.js';
import type { ProviderRuntime } from '../providers/registry.js';
import type { Endpoint, UpstreamRequest } from '../providers/types.js';
import { requestBuffered, ResponseTooLargeError, type BufferedResponse } from '../providers/buffered-request.js';
import { requestStreamed } from '../providers/streamed-request.js';
import { planTranslation, type Translation } from './translation.js';
import { clientGone, markAborted, StreamRelay } from './relay-stream.js';
import { redact } from './redact.js';
import type { CallContext, RouteTarget } from './context.js';
import type { GatewayDeps } from './deps.js';

/**
 * Not async itself: it hands back the promise of the call it starts, which saves a promise and a
 * turn of the microtask queue per call (a preparation error is thrown at once, inside the caller's try).
 */
export function callProvider(deps: GatewayDeps, ctx: CallContext, target: RouteTarget): Promise<void> {
  const { provider } = target;
  const tr = planTranslation(deps, ctx, target);
  const endpoint = tr?.endpoint ?? ctx.endpoint;
  const up = provider.adapter.prepare(
    {
      endpoint,
      body: tr?.body ?? ctx.body,
      rawBody: tr?.rawBody ?? ctx.rawBody,
      upstreamModel: target.upstreamModel,
      stream: ctx.stream,
      clientHeaders: ctx.req.headers,
    },
    provider.config.api_key,
    provider.basePath,
  );

  // What the model said is parsed only for the run guard (a streamed answer to cache is kept whole: relay-stream.ts).
  const wantOutput = deps.guard.config.enabled;
  if (!ctx.stream) return callBuffered(deps, ctx, provider, up, { wantOutput, endpoint, tr });
  return callStreamed(deps, ctx, provider, up, { wantOutput, endpoint, tr });
}

/** A streaming call: a 2xx answer is relayed as it arrives; an error answer is collected and thrown. */
async function callStreamed(
  deps: GatewayDeps,
  ctx: CallContext,
  provider: ProviderRuntime,
  up: UpstreamRequest,
  { wantOutput, endpoint, tr }: { wantOutput: boolean; endpoint: Endpoint; tr: Translation | null },
): Promise<void> {
  ctx.upstreamSent = true;
  const meterFor = tr ? tr.keepUsageChunk : ctx.clientWantsUsage;
  const relay = new StreamRelay(ctx, () => provider.adapter.streamMeter(meterFor, endpoint), {
    wantOutput,
    keepAnswer: ctx.cache !== null,
    tr: tr?.stream() ?? null,
    stallMs: provider.config.timeouts.idle_ms,
  });
  let retryAfter: string | string[] | undefined;
  let answer: BufferedResponse | null;
  try {
    answer = await requestStreamed(provider.pool, up, (status, headers) => {
      retryAfter = headers['retry-after'];
      onUpstreamHeaders(deps, ctx, status, headers);
    }, relay, provider.config.max_response_bytes);
  } catch (err) {
    if (ctx.firstByteAt === null) throw sendError(ctx, err, provider);
    // An error answer whose body then failed (or was too large) is reported without its body.
    if (ctx.upstreamStatus !== null) throw upstreamStatusError(ctx.upstreamStatus, Buffer.alloc(0), provider, retryAfter);
    // The relay could not start.
    relayFailed(ctx, err, provider);
    return;
  }
  if (answer) throw upstreamStatusError(answer.statusCode, answer.body, provider, answer.headers['retry-after']);
  markClientGone(ctx);
}

/**
 * A non-streaming call: the whole answer is collected, then relayed. It runs to completion even when
 * the client leaves, so the provider's real usage is recorded for a call it bills anyway.
 */
async function callBuffered(
  deps: GatewayDeps,
  ctx: CallContext,
  provider: ProviderRuntime,
  up: UpstreamRequest,
  o: { wantOutput: boolean; endpoint: Endpoint; tr: Translation | null },
): Promise<void> {
  let response: BufferedResponse;
  let retryAfter: string | string[] | undefined;
  ctx.upstreamSent = true;
  try {
    response = await requestBuffered(provider.pool, up, provider.config.max_response_bytes, (status, headers) => {
      retryAfter = headers['retry-after'];
      onUpstreamHeaders(deps, ctx, status, headers);
    });
  } catch (err) {
    if (ctx.firstByteAt === null) throw sendError(ctx, err, provider);
    // The answer's body failed after its headers: an error answer is reported without its body.
    if (ctx.upstreamStatus !== null) throw upstreamStatusError(ctx.upstreamStatus, Buffer.alloc(0), provider, retryAfter);
    // A success answer was generated (and is billed) though Tollgate could not read it: metered at its bound.
    ctx.answerLost = true;
    relayFailed(ctx, err, provider);
    return;
  }
  // A redirect is not an answer (undici does not follow it): a misconfigured base_url, reported as such.
  if (response.statusCode >= 300) throw upstreamStatusError(response.statusCode, response.body, provider, response.headers['retry-after']);
  try {
    relayBody(ctx, response, provider, o.wantOutput, o.endpoint, o.tr);
  } catch (err) {
    relayFailed(ctx, err, provider);
    return;
  }
  markClientGone(ctx);
}

/** The provider's status line and headers arrived. */
function onUpstreamHeaders(deps: GatewayDeps, ctx: CallContext, status: number, h: IncomingHttpHeaders): void {
  ctx.firstByteAt = deps.now();
  const rid = h['x-request-id'] ?? h['request-id'];
  // Echoed to the client and stored: printable, short, and never holding the provider's key.
  ctx.upstreamRequestId = typeof rid === 'string' && REQUEST_ID.test(rid) ? redact(rid, ctx.target!.provider.config.api_key) : null;
  if (status >= 300) ctx.upstreamStatus = status;
  else ctx.upstreamOk = true;
}

/** The request could not be sent or was not answered: a connection that never opened carried nothing to bill or estimate. */
function sendError(ctx: CallContext, err: unknown, provider: ProviderRuntime): GatewayError {
  if (NEVER_SENT.has((err as { code?: string }).code ?? '')) ctx.upstreamSent = false;
  return transportError(err, provider);
}

/** Relaying the answer failed: the client left (the call is aborted), or the provider's side failed. */
function relayFailed(ctx: CallContext, err: unknown, provider: ProviderRuntime): void {
  if (clientGone(ctx.res)) {
    markAborted(ctx);
    return;
  }
  throw err instanceof GatewayError ? err : transportError(err, provider);
}

function markClientGone(ctx: CallContext): void {
  if (clientGone(ctx.res) && ctx.status === 'ok') markAborted(ctx);
}

function relayBody(
  ctx: CallContext,
  response: BufferedResponse,
  provider: ProviderRuntime,
  wantOutput: boolean,
  endpoint: Endpoint,
  tr: Translation | null,
): void {
  const upstreamBody = response.body;
  if (wantOutput) ctx.output = provider.adapter.outputOf(endpoint, upstreamBody);
  const usage = provider.adapter.usageFromBody(endpoint, upstreamBody);
  if (!usage) {
    // No usage in the answer: the estimate counts what it says.
    const o = wantOutput ? ctx.output : provider.adapter.outputOf(endpoint, upstreamBody);
    ctx.generatedText = o.text + o.toolCalls.map((t) => t.name + t.arguments).join('');
  }
  const body = tr ? tr.response(upstreamBody) : upstreamBody;
  if (usage) {
    ctx.usage = usage;
    ctx.usageComplete = true;
    ctx.promptKnown = true;
  }
  // The tier that served the call: priced at its rates when the model has some, and kept in the ledger.
  ctx.serviceTier = provider.adapter.serviceTierOf(endpoint, upstreamBody);
  const ct = response.headers['content-type'];
  const headers: Record<string, string | number> = {
    'content-type': typeof ct === 'string' && !tr ? ct : 'application/json',
    'content-length': body.length,
    'x-tollgate-call-id': ctx.id,
    // The configured model that served the call (after routes, downgrades and fallbacks).
    'x-tollgate-model': ctx.target!.model,
  };
  if (ctx.upstreamRequestId) headers[ctx.api === 'anthropic' ? 'request-id' : 'x-request-id'] = ctx.upstreamRequestId;
  if (ctx.cache) ctx.responseBody = body.toString('utf8');
  if (ctx.res.destroyed) return;
  ctx.res.writeHead(response.statusCode, headers);
  ctx.res.end(body);
}

const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export function transportError(err: unknown, provider: ProviderRuntime): GatewayError {
  if (err instanceof ResponseTooLargeError) {
    return new GatewayError('upstream_error', `The provider "${provider.name}" answered with more than ${err.maxBytes} bytes (its max_response_bytes).`, { cause: err });
  }
  const code = (err as { code?: string }).code ?? '';
  if (TIMEOUT_CODES.has(code)) {
    return new GatewayError('upstream_timeout', `The provider "${provider.name}" did not answer in time (${code}).`, {
      cause: err,
    });
  }
  return new GatewayError('upstream_unavailable', `The provider "${provider.name}" could not be reached (${code || 'connection error'}).`, {
    cause: err,
  });
}

/**
 * Map a provider's error status. The provider's key is never echoed. A 401/403 from the provider means
 * Tollgate's own credentials were refused, which is not the client's fault: it becomes a 502, as do
 * 5xx and redirects. Any other 4xx is the client's to act on (a prompt over the context window, a rate
 * limit, a quota, a bad parameter): it keeps its status, and the client gets the provider's type, code
 * and param in its own shape (server/respond-error.ts). Tollgate's code stays `upstream_error` either
 * way, which the fallback chain acts on and the ledger records with the status.
 */
export function upstreamStatusError(
  status: number,
  body: Buffer,
  provider: ProviderRuntime,
  retryAfter: string | string[] | undefined,
): GatewayError {
  const info = provider.adapter.parseError(body);
  const key = provider.config.api_key;
  // Everything taken from the provider's answer is redacted of its key before it reaches the client.
  const message = redact(info.message, key);
  const type = info.type && redact(info.type, key);
  const code = info.code && redact(info.code, key);
  const details: Record<string, unknown> = { upstream_status: status, provider: provider.name };
  if (type) details['upstream_type'] = type;
  if (code) details['upstream_code'] = code;
  const ra = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (Number.isFinite(ra) && ra >= 0) details['retry_after_seconds'] = ra;
  const passed = status >= 400 && status < 500 && status !== 401 && status !== 403;
  const own: ProviderErrorFields | undefined = passed
    ? { shape: provider.adapter.kind, status, type, code, param: info.param && redact(info.param, key), message }
    : undefined;
  return new GatewayError('upstream_error', `Provider "${provider.name}" returned ${status}: ${message}`, {
    status: passed ? status : 502,
    details,
    provider: own,
  });
}

/** A provider request id Tollgate passes on: printable ASCII, at most 200 characters. */
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;
