/**
 * A provider request whose answer is relayed as it arrives (streaming calls): the body's chunks go
 * straight from the connection to a receiver, without undici's per-answer Readable stream (its
 * async iterator, stream state and ticks per chunk). Backpressure is the dispatcher's own: a receiver
 * that cannot take more pauses the connection until it asks to resume. An error answer (4xx/5xx) is
 * collected whole instead, for the caller to report or fall back on. Errors (connect, first-byte and
 * idle timeouts, a cut connection) are undici's own, exactly as `request()` reports them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { util, type Dispatcher } from 'undici';
import { BoundedBody, type BufferedRequest, type BufferedResponse } from './buffered-request.js';

/** The upstream side of a relayed body. */
export interface UpstreamBody {
  /** Continue after the receiver refused a chunk (returned false). */
  resume(): void;
  /** Stop the answer (the client left, or Tollgate ends the stream itself): the connection is closed. */
  stop(): void;
}

/** Where a 2xx answer's body goes. Exactly one of `end` and `fail` is called, once, after `start`. */
export interface StreamReceiver {
  start(upstream: UpstreamBody): void;
  /** One piece of the body; false when no more can be taken now (the upstream pauses until resume()). */
  data(chunk: Buffer): boolean;
  end(): void;
  /** The body failed midway: cut by the provider, a timeout, or stopped by the receiver itself. */
  fail(err: Error): void;
}

class StreamHandler implements Dispatcher.DispatchHandler, UpstreamBody {
  private abort: ((err?: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  /** Set once a 2xx answer started: chunks then go to the receiver, not into `errorBody`. */
  private relaying = false;
  private statusCode = 0;
  private headers: IncomingHttpHeaders = {};
  /** An error answer's body, read only for its message (made when such an answer arrives). */
  private errorBody: BoundedBody | null = null;

  constructor(
    private readonly receiver: StreamReceiver,
    private readonly onResponseHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
    private readonly resolve: (r: BufferedResponse | null) => void,
    private readonly reject: (err: Error) => void,
    private readonly maxErrorBytes: number,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx informational answers are followed by the real one.
    if (statusCode < 200) return true;
    this.statusCode = statusCode;
    this.headers = util.parseHeaders(rawHeaders) as IncomingHttpHeaders;
    this.onResponseHeaders(statusCode, this.headers);
    // Not a 2xx (an error, or a redirect undici does not follow): collected whole, never relayed as a stream.
    if (statusCode >= 300) {
      this.errorBody = new BoundedBody(this.maxErrorBytes);
      return true;
    }
    this.relaying = true;
    this.resumeUpstream = resume;
    try {
      this.receiver.start(this);
    } catch (err) {
      // undici aborts the request with this error: it rejects, as when no answer came.
      this.relaying = false;
      throw err;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.relaying) return this.receiver.data(chunk);
    // Past the provider's bound the status is reported without its body (the caller does so on the abort).
    return this.errorBody?.add(chunk, this.abort) ?? true;
  }

  onComplete(): void {
    if (this.relaying) {
      this.receiver.end();
      this.resolve(null);
      return;
    }
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body: this.errorBody?.whole() ?? Buffer.alloc(0) });
  }

  onError(err: Error): void {
    if (!this.relaying) {
      this.reject(err);
      return;
    }
    // A throw here would surface as an unhandled 'error' on undici's connection: the caller gets it instead.
    try {
      this.receiver.fail(err);
    } catch (e) {
      this.reject(e as Error);
      return;
    }
    this.resolve(null);
  }

  resume(): void {
    this.resumeUpstream?.();
  }

  stop(): void {
    // undici reports the abort through onError, synchronously.
    this.abort?.();
  }
}

/**
 * POST `req` on `dispatcher`. `onHeaders` runs as soon as the status line and headers arrive. A 2xx
 * answer is relayed to `receiver` and the promise then resolves with null once its body ended or
 * failed (the receiver was told which); an error status resolves with the whole answer, of at most
 * `maxErrorBytes` (else it rejects with ResponseTooLargeError). Rejects when no answer came, an error
 * answer's body failed or was too large, or the receiver could not start.
 */
export function requestStreamed(
  dispatcher: Dispatcher,
  req: BufferedRequest,
  onHeaders: (statusCode: number, headers: IncomingHttpHeaders) => void,
  receiver: StreamReceiver,
  maxErrorBytes = Number.POSITIVE_INFINITY,
): Promise<BufferedResponse | null> {
  return new Promise((resolve, reject) => {
    dispatcher.dispatch({ method: 'POST', path: req.path, headers: req.headers, body: req.body }, new StreamHandler(receiver, onHeaders, resolve, reject, maxErrorBytes));
  });
}
