/** Read a request body up to a limit; an oversize body is refused before it is buffered. */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors.js';
import { REQUEST_TIMEOUT_MESSAGE, requestTimedOut } from './client-error.js';

/**
 * The client closed the connection before its body was complete: a model call is then recorded as
 * aborted (499), not as malformed; elsewhere it is the plain invalid_request nobody is left to read.
 */
export class BodyAborted extends GatewayError {
  constructor(cause: unknown) {
    super('invalid_request', 'The request body could not be read: the client closed the connection before its end.', { cause });
  }
}

/**
 * The request was still arriving when server.request_timeout_ms passed: node:http has answered 408
 * (client-error.ts), and a model call is recorded with that status, not as aborted by the client.
 */
export class RequestTimedOut extends GatewayError {
  constructor(cause: unknown) {
    super('request_timeout', REQUEST_TIMEOUT_MESSAGE, { cause });
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return Promise.reject(new GatewayError('unsupported_encoding', `Request bodies must not be compressed (Content-Encoding: ${encoding.slice(0, 40)}); send plain JSON.`));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      if (requestTimedOut(req.socket)) reject(new RequestTimedOut(err));
      else if ((err as NodeJS.ErrnoException).code === 'ECONNRESET') reject(new BodyAborted(err));
      else reject(new GatewayError('invalid_request', 'The request body could not be read.', { cause: err }));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError('body_too_large', `Request body exceeds the limit of ${limit} bytes.`);
}
