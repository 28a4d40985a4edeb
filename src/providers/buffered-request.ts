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

/** The answer's body grew past the bound given to requestBuffered; the connection was closed. */
export class ResponseTooLargeError extends Error {
  readonly code = 'TOLLGATE_RESPONSE_TOO_LARGE';
  constructor(readonly maxBytes: number) {
    super(`the answer exceeded ${maxBytes} bytes`);
  }
}

/** An answer's body collected whole, up to a bound: past it what was collected is dropped and the request aborted. */
export class BoundedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Keep `chunk`; false once the bound is passed (`abort` was then called with ResponseTooLargeError). */
  add(chunk: Buffer, abort: ((err: Error) => void) | null): boolean {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      // undici reports the abort through the handler's onError.
      this.chunks.length = 0;
      abort?.(new ResponseTooLargeError(this.maxBytes));
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  whole(): Buffer {
    const c = this.chunks;
    return c.length === 1 ? c[0]! : Buffer.concat(c, this.size);
  }
}

class CollectHandler implements Dispatcher.DispatchHandler {
  private readonly body: BoundedBody;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  private abort: ((err: Error) => void) | null = null;

  constructor(
    maxBytes: number,
    private readonly onResponseHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
    private readonly resolve: (r: BufferedResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.body = new BoundedBody(maxBytes);
  }

  onConnect(abort: (err: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    // 1xx informational answers are followed by the real one.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.headers = util.parseHeaders(rawHeaders) as IncomingHttpHeaders;
    this.onResponseHeaders(statusCode, this.headers);
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body.add(chunk, this.abort);
  }

  onComplete(): void {
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body: this.body.whole() });
  }

  onError(err: Error): void {
    this.reject(err);
  }
}

/**
 * POST `req` on `dispatcher` and resolve with the complete answer, of at most `maxBytes` (else reject
 * with ResponseTooLargeError); `onHeaders` runs as soon as the status line and headers arrive (before
 * the body, which may still fail).
 */
export function requestBuffered(
  dispatcher: Dispatcher,
  req: BufferedRequest,
  maxBytes: number,
  onHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch({ method: 'POST', path: req.path, headers: req.headers, body: req.body }, new CollectHandler(maxBytes, onHeaders, resolve, reject));
  });
}
