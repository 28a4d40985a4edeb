/**
 * A provider request whose whole answer is wanted at once (non-streaming calls): the body is collected
 * straight from the connection into one Buffer. undici's `request()` wraps every answer in a Readable
 * stream (with its async-hooks scope, stream state and ticks) only for the caller to read it to the
 * end; a plain dispatch handler skips all of that. Errors (connect, first-byte and idle timeouts, a
 * cut connection) are undici's own, exactly as `request()` reports them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { util, type Dispatcher } from 'undici';

export interface BufferedResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface BufferedRequest {
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}

class CollectHandler implements Dispatcher.DispatchHandler {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};

  constructor(
    private readonly onResponseHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
    private readonly resolve: (r: BufferedResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers are followed by the real one.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.headers = util.parseHeaders(rawHeaders) as IncomingHttpHeaders;
    this.onResponseHeaders(statusCode, this.headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  onComplete(): void {
    const c = this.chunks;
    const body = c.length === 1 ? c[0]! : Buffer.concat(c, this.size);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body });
  }

  onError(err: Error): void {
    this.reject(err);
  }
}

/**
 * POST `req` on `dispatcher` and resolve with the complete answer; `onHeaders` runs as soon as the
 * status line and headers arrive (before the body, which may still fail).
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  req: BufferedRequest,
  onHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch({ method: 'POST', path: req.path, headers: req.headers, body: req.body }, new CollectHandler(onHeaders, resolve, reject));
  });
}
