/**
 * The one place a GatewayError becomes what the caller sees, in the caller's API shape:
 * OpenAI `{"error":{message,type,param,code}}`, Anthropic `{"type":"error","error":{type,message}}`
 * (a provider's own error with the provider's type, code and param, mapped when the shapes differ),
 * as a JSON response or, once a stream has started, as a final stream event (for the Responses API,
 * an `error` event and the terminal `response.failed`).
 */
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { ApiShape, ResponsesStreamPosition } from '../providers/types.js';
import { clientErrorFields } from '../translate/index.js';

export function errorBody(api: ApiShape, err: GatewayError): Record<string, unknown> {
  const { param, ...rest } = err.details ?? {};
  // A provider's own 4xx: its type, code and param, in the caller's shape. For OpenAI callers the
  // provider's code replaces Tollgate's (which stays in the x-tollgate-error-code header and the
  // ledger); Anthropic callers get it where Anthropic puts one, `details.error_code`.
  const own = err.provider ? clientErrorFields(err.provider, api) : null;
  if (api === 'anthropic') {
    const details = own?.code ? { details: { error_code: own.code } } : {};
    return { type: 'error', error: { type: own?.type ?? err.anthropicType(), message: err.message, code: err.code, ...details, ...rest } };
  }
  return {
    error: { message: err.message, type: own?.type ?? err.openaiType(), param: own ? own.param : (param ?? null), code: own ? own.code : err.code, ...rest },
  };
}

/** `responses`: the call is a Responses API stream, which gets its own closing events (see responsesStreamError). */
export function streamErrorEvent(api: ApiShape, err: GatewayError, responses: ResponsesStreamPosition | null = null): string {
  if (responses) return responsesStreamError(err, responses);
  const data = JSON.stringify(errorBody(api, err));
  return api === 'anthropic' ? `event: error\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

/**
 * A Responses API stream that Tollgate ends: an `error` event (the SDK's ResponseErrorEvent fields, plus
 * the OpenAI error object, on which the official SDKs raise an APIError), then `response.failed`, the
 * terminal event agents such as Codex CLI wait for (a stream that just stops makes them retry). Both
 * continue the stream's sequence numbers; the failed response is the one `response.created` announced.
 */
function responsesStreamError(err: GatewayError, at: ResponsesStreamPosition): string {
  const body = errorBody('openai', err)['error'] as Record<string, unknown>;
  const error = { type: 'error', code: err.code, message: err.message, param: body['param'] ?? null, sequence_number: at.sequence + 1, error: body };
  const response = { ...(at.response ?? { object: 'response', output: [] }), status: 'failed', error: { code: err.code, message: err.message } };
  const failed = { type: 'response.failed', sequence_number: at.sequence + 2, response };
  return `event: error\ndata: ${JSON.stringify(error)}\n\nevent: response.failed\ndata: ${JSON.stringify(failed)}\n\n`;
}

export function respondError(res: ServerResponse, api: ApiShape, err: GatewayError, callId?: string): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(errorBody(api, err));
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-tollgate-error-code': err.code,
  };
  if (callId) headers['x-tollgate-call-id'] = callId;
  if (err.status === 429 && typeof err.details?.['retry_after_seconds'] === 'number') {
    headers['retry-after'] = String(err.details['retry_after_seconds']);
  }
  // A body we refused to read cannot be drained safely: close the connection after replying.
  if (err.code === 'body_too_large') headers['connection'] = 'close';
  res.writeHead(err.status, headers);
  res.end(body);
}
