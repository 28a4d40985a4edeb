/**
 * Relaying a provider's stream to the client (part of stage 5, call): each upstream chunk goes
 * through the adapter's meter (and the translator when the shapes differ) and on to the client as it
 * arrives. A client that cannot keep up pauses the provider's connection; a client that goes away
 * stops it (and so the provider's generation); a stream that passes the output its reservation
 * covers is cut there; a stream the provider cuts ends with an error event in the client's format.
 * Whatever happens, the meter's usage is on the context when the relay is done.
 */
import type { ServerResponse } from 'node:http';
import { GatewayError } from '../errors.js';
import { streamErrorEvent } from '../server/respond-error.js';
import type { StreamReceiver, UpstreamBody } from '../providers/streamed-request.js';
import { SseEventTooLargeError } from '../providers/sse-events.js';
import type { ResponsesStreamPosition, StreamMeter } from '../providers/types.js';
import type { StreamTranslator } from './translation.js';
import { redactStreamed } from './redact.js';
import type { CallContext } from './context.js';

/** The client closed the connection before the response was complete. */
export function clientGone(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}

export function markAborted(ctx: CallContext): void {
  ctx.status = 'aborted';
  ctx.errorCode = 'client_closed';
  ctx.httpStatus = 499;
}

function markError(ctx: CallContext, e: GatewayError): void {
  ctx.status = 'error';
  ctx.errorCode = e.code;
  ctx.httpStatus = e.status;
}

/** The provider sent an error event within the stream (after its 200): the call failed upstream. */
function markProviderError(ctx: CallContext, meter: StreamMeter): boolean {
  const type = meter.upstreamError?.();
  if (!type) return false;
  markError(ctx, new GatewayError('upstream_error', `The provider sent an error event mid-stream (${type}).`));
  return true;
}

export interface RelayOptions {
  /** Parse what the model said into ctx.output (the run guard reads it). */
  wantOutput: boolean;
  /** Keep the whole answer in ctx.streamedAnswer (the route caches it). */
  keepAnswer: boolean;
  /** Translates the provider's stream into the client's format, when the two differ. */
  tr: StreamTranslator | null;
  /** How long a client may leave the stream unread before it is dropped (the provider's idle_ms). */
  stallMs: number;
}

export class StreamRelay implements StreamReceiver {
  private meter: StreamMeter | null = null;
  private upstream: UpstreamBody | null = null;
  /** The client's response is settled (ended, cut or abandoned): later upstream events are ignored. */
  private done = false;
  private readonly res: ServerResponse;
  private readonly cap: number;
  private readonly onClose = (): void => {
    if (!this.res.writableFinished) this.upstream?.stop();
  };
  private readonly onDrain = (): void => {
    this.unstall();
    this.upstream?.resume();
  };
  /** Set while the client is not reading: the provider is paused meanwhile, and undici's idle timeout with it. */
  private stall: NodeJS.Timeout | null = null;
  /** A client that reads nothing for the provider's idle timeout is dropped, which stops the provider. */
  private readonly onStall = (): void => {
    this.stall = null;
    this.res.destroy();
  };

  private readonly wantOutput: boolean;
  private readonly tr: StreamTranslator | null;
  private readonly stallMs: number;
  /** The answer in the client's format, for the response cache; null when the route does not cache. */
  private readonly kept: (Buffer | string)[] | null;

  constructor(
    private readonly ctx: CallContext,
    private readonly newMeter: () => StreamMeter,
    o: RelayOptions,
  ) {
    this.res = ctx.res;
    this.cap = ctx.reservation?.outputCap ?? Infinity;
    this.wantOutput = o.wantOutput;
    this.tr = o.tr;
    this.stallMs = o.stallMs;
    this.kept = o.keepAnswer ? [] : null;
  }

  start(upstream: UpstreamBody): void {
    this.upstream = upstream;
    const { ctx, res } = this;
    if (res.destroyed) {
      // The client left while waiting for the first byte.
      this.done = true;
      markAborted(ctx);
      upstream.stop();
      return;
    }
    this.meter = this.newMeter();
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-tollgate-call-id': ctx.id,
      'x-tollgate-model': ctx.target!.model,
    };
    if (ctx.upstreamRequestId) headers[ctx.api === 'anthropic' ? 'request-id' : 'x-request-id'] = ctx.upstreamRequestId;
    res.writeHead(200, headers);
    res.once('close', this.onClose);
  }

  data(chunk: Buffer): boolean {
    if (this.done) return false;
    const meter = this.meter!;
    try {
      let out = meter.push(chunk);
      // The provider's error event goes on to the client; the key Tollgate called it with does not.
      if (out && meter.upstreamError?.()) out = redactStreamed(out, this.ctx.target!.provider.config.api_key);
      if (meter.generatedMoreThan(this.cap)) {
        this.cut(meter);
        return false;
      }
      const send = this.tr ? this.tr.push(out) : out;
      // Untranslated, the provider's own bytes are kept (the usage chunk too, which the client may not
      // get); copied, as the chunk is not ours past this call.
      if (this.kept) this.kept.push(this.tr ? (send ?? '') : Buffer.from(chunk));
      if (send && send.length > 0 && !this.res.write(send)) {
        this.res.once('drain', this.onDrain);
        this.stall = setTimeout(this.onStall, this.stallMs);
        this.stall.unref();
        return false;
      }
      return true;
    } catch (err) {
      this.failed(err);
      this.upstream!.stop();
      return false;
    }
  }

  end(): void {
    if (this.done) return;
    const meter = this.meter!;
    let last: Buffer | string | null;
    try {
      let tail = meter.flush();
      if (tail && meter.upstreamError?.()) tail = redactStreamed(tail, this.ctx.target!.provider.config.api_key);
      last = this.tr ? this.tr.push(tail) + this.tr.end() : tail;
    } catch (err) {
      this.failed(err);
      return;
    }
    this.done = true;
    this.unstall();
    this.res.off('close', this.onClose);
    collect(this.ctx, meter, this.wantOutput);
    if (this.kept) {
      if (this.tr && last) this.kept.push(last);
      this.ctx.streamedAnswer = this.kept;
    }
    // The provider's own error event reached the client as it came; the call failed all the same.
    markProviderError(this.ctx, meter);
    // Written with the end: a body that arrived in one read leaves in one write.
    if (last && last.length > 0) this.res.end(last);
    else this.res.end();
  }

  private unstall(): void {
    if (this.stall) clearTimeout(this.stall);
    this.stall = null;
  }

  fail(err: Error): void {
    if (!this.done) this.failed(err);
  }

  /** The provider went past the output the reservation covers: cut here, bill what was generated. */
  private cut(meter: StreamMeter): void {
    this.done = true;
    this.unstall();
    const { ctx, res } = this;
    collect(ctx, meter);
    const e = new GatewayError('budget_exceeded', `Stream cut at the budget limit: the reservation covered ${this.cap} output tokens.`, { status: 402 });
    res.end(streamErrorEvent(ctx.api, e, responsesPosition(ctx, meter, true)));
    markError(ctx, e);
    res.off('close', this.onClose);
    this.upstream!.stop();
  }

  /** The stream failed: the client left (the call is aborted), or the provider's side ended it early. */
  private failed(err: unknown): void {
    this.done = true;
    const { ctx, res } = this;
    const meter = this.meter!;
    this.unstall();
    res.off('close', this.onClose);
    res.off('drain', this.onDrain);
    collect(ctx, meter, this.wantOutput);
    // A client (the official SDKs do) may close as soon as it reads the provider's error event, before
    // the provider ends the stream: the call failed upstream, it was not abandoned.
    if (markProviderError(ctx, meter)) {
      // Closed cleanly: the client has the provider's error event, a second one would only repeat it.
      if (!res.destroyed) res.end();
      return;
    }
    if (res.destroyed) {
      if (clientGone(res)) markAborted(ctx);
      return;
    }
    // The upstream cut the stream: end it cleanly for the client with an error event.
    const why = err instanceof SseEventTooLargeError ? `The provider sent ${err.message}.` : 'The provider ended the stream early.';
    const e = err instanceof GatewayError ? err : new GatewayError('upstream_error', why, { cause: err });
    res.end(streamErrorEvent(ctx.api, e, responsesPosition(ctx, meter, false)));
    markError(ctx, e);
  }
}

/**
 * For a Responses API stream, where it stands (so Tollgate's closing events continue it); null for
 * other endpoints. `dropLatest`: the bytes of the meter's latest push are not forwarded.
 */
export function responsesPosition(ctx: CallContext, meter: StreamMeter | null, dropLatest = false): ResponsesStreamPosition | null {
  if (ctx.endpoint !== 'responses') return null;
  return meter?.position?.(dropLatest) ?? { sequence: -1, response: null };
}

function collect(ctx: CallContext, meter: StreamMeter, wantOutput = false): void {
  if (wantOutput) ctx.output = meter.output();
  const m = meter.metered();
  ctx.usage = m.usage;
  ctx.usageComplete = m.complete;
  ctx.promptKnown = m.promptKnown;
  ctx.serviceTier = m.serviceTier;
  // Parsing what was generated costs; only an estimate (usage never came) needs it.
  if (!m.complete) ctx.generatedText = meter.generatedText();
}
