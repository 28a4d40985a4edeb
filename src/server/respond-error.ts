/**
 * The one place a GatewayError becomes what the caller sees, in the caller's API shape:
 * OpenAI `{"error":{message,type,param,code}}`, Anthropic `{"type":"error","error":{type,message}}`,
 * as a JSON response or, once a stream has started, as a final stream event.
 */
import type { ServerResponse } from 'node:http';
import type { GatewayError } from '../errors.js';
import type { ApiShape } from '../providers/types.js';

export function errorBody(api: ApiShape, err: GatewayError): Record<string, unknown> {
  const { param, ...rest } = err.details ?? {};
  if (api === 'anthropic') {
    return { type: 'error', error: { type: err.anthropicType(), message: err.message, code: err.code, ...rest } };
  }
  return {
    error: { message: err.message, type: err.openaiType(), param: param ?? null, code: err.code, ...rest },
  };
}

export function streamErrorEvent(api: ApiShape, err: GatewayError): string {
  const data = JSON.stringify(errorBody(api, err));
  return api === 'anthropic' ? `event: error\ndata: ${data}\n\n` : `data: ${data}\n\n`;
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
