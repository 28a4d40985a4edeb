/** Writing plain (non-streamed) responses, and delaying work without outliving the response. */
import type { ServerResponse } from 'node:http';
import type { MockContext } from './context.js';

export type Headers = Record<string, string>;

export function sendJson(res: ServerResponse, status: number, headers: Headers, body: string): void {
  headers['content-type'] = 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Runs `fn` after `ms`, or at once when `ms` is 0 (the benchmark path pays no timer).
 * If the client leaves or the mock closes first, the timer is cleared and `fn` never runs.
 */
export function afterDelay(ctx: MockContext, res: ServerResponse, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn();
    return;
  }
  const cancel = (): void => {
    clearTimeout(timer);
    ctx.pending.delete(cancel);
    res.off('close', cancel);
  };
  const timer = setTimeout(() => {
    cancel();
    answerFailure(res, fn);
  }, ms);
  ctx.pending.add(cancel);
  res.once('close', cancel);
}

/**
 * Runs `fn`, which writes the reply; if it throws (a request the mock cannot echo back, such as JSON
 * nested too deeply to serialise), the request gets a 500 instead of the exception ending the process.
 */
export function answerFailure(res: ServerResponse, fn: () => void): void {
  try {
    fn();
  } catch {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, 500, {}, JSON.stringify({ error: { message: 'The mock provider failed to build its reply.', type: 'server_error', param: null, code: null } }));
  }
}
