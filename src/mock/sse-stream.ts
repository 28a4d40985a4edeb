/**
 * Plays a list of prepared SSE frames onto a response: all in one write when there is no chunk delay
 * (the benchmark path), otherwise one frame per tick. It counts the content tokens that reach the
 * socket, resets the connection on `error_after_tokens`, and stops at once if the client goes away.
 */
import type { ServerResponse } from 'node:http';
import type { MockContext } from './context.js';
import type { Headers } from './http-reply.js';

export interface SseFrame {
  /** The complete frame text, `data: ...\n\n` or `event: ...\ndata: ...\n\n`. */
  text: string;
  /** Reply words (content tokens) this frame carries. */
  tokens: number;
}

export interface StreamScript {
  frames: SseFrame[];
  chunkDelayMs: number;
  /** Reset the connection once this many content tokens were written, before anything else. */
  errorAfterTokens: number | undefined;
}

export const SSE_HEADERS: Readonly<Headers> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export function playStream(
  ctx: MockContext,
  res: ServerResponse,
  headers: Headers,
  script: StreamScript,
): void {
  const { stats } = ctx;
  const { frames, chunkDelayMs, errorAfterTokens } = script;
  let next = 0;
  let sent = 0;
  let ended = false;
  let timer: NodeJS.Timeout | undefined;

  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    ctx.pending.delete(stop);
    res.off('close', onClose);
  };
  const onClose = (): void => {
    stop();
    // `close` also fires after a normal end; only an unfinished stream counts as aborted.
    if (!ended) {
      ended = true;
      stats.streamsAborted++;
    }
  };

  // Collects frames until a delay is due, the script ends, or the reset point is reached.
  const step = (): void => {
    timer = undefined;
    let out = '';
    let tokens = 0;
    while (next < frames.length) {
      if (errorAfterTokens !== undefined && sent + tokens >= errorAfterTokens) {
        reset(out, tokens);
        return;
      }
      const frame = frames[next++];
      if (frame === undefined) break;
      out += frame.text;
      tokens += frame.tokens;
      if (chunkDelayMs > 0) break;
    }
    sent += tokens;
    stats.tokensSent += tokens;
    if (next >= frames.length) {
      ended = true;
      stats.streamsCompleted++;
      stop();
      res.end(out);
      return;
    }
    res.write(out);
    timer = setTimeout(step, chunkDelayMs);
  };

  const reset = (out: string, tokens: number): void => {
    ended = true;
    stats.streamsReset++;
    stats.tokensSent += tokens;
    stop();
    // Destroy only once the last frames were handed to the socket, so the client gets exactly them.
    if (out.length > 0) res.write(out, () => res.destroy());
    else res.destroy();
  };

  stats.streamsStarted++;
  ctx.pending.add(stop);
  res.on('close', onClose);
  res.writeHead(200, headers);
  // Real providers send headers before the first token, and a reset at 0 tokens must still look like
  // a 200; an undelayed stream instead goes out in one write with its headers.
  if (chunkDelayMs > 0 || errorAfterTokens !== undefined) res.flushHeaders();
  step();
}
