/**
 * What node:http refuses before Tollgate sees a request (malformed HTTP, headers too large, a request
 * that took too long to arrive) is answered as JSON in the OpenAI shape (the path is not known yet),
 * as every other error is, instead of node's bare status line.
 *
 * A request whose body was still arriving when server.request_timeout_ms passed is already in the
 * pipeline: its socket is remembered here, so that reading its body fails as the 408 the client got
 * (read-body.ts), not as a client that went away.
 */
import type { Duplex } from 'node:stream';

const timedOut = new WeakSet<Duplex>();

/** node:http answered this connection's request with 408 (server.request_timeout_ms). */
export function requestTimedOut(socket: Duplex | null | undefined): boolean {
  return socket != null && timedOut.has(socket);
}

export const REQUEST_TIMEOUT_MESSAGE = 'The request did not arrive in time (server.request_timeout_ms).';

export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (err.code === 'ECONNRESET' && socket.destroyed)) {
    socket.destroy();
    return;
  }
  const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  if (timeout) timedOut.add(socket);
  const [status, reason, message, code] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are too large.', 'invalid_request']
      : timeout
        ? [408, 'Request Timeout', REQUEST_TIMEOUT_MESSAGE, 'request_timeout']
        : [400, 'Bad Request', 'The request is not valid HTTP.', 'invalid_request'];
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code } });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
