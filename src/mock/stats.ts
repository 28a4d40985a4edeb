/** What the mock has seen and sent, so tests can check what the gateway forwarded and consumed. */

export interface MockStats {
  /** Provider requests received (control endpoints under /_mock/ are not counted). */
  requests: number;
  byPath: Record<string, number>;
  streamsStarted: number;
  streamsCompleted: number;
  /** The client (the gateway) went away before the stream ended. */
  streamsAborted: number;
  /** The mock itself reset the connection mid-stream (directive `error_after_tokens`). */
  streamsReset: number;
  /** Reply words (content tokens) actually written to sockets, streamed or not; cumulative. */
  tokensSent: number;
  /** The raw value of the last `Authorization` (OpenAI paths) or `x-api-key` (Anthropic) header. */
  lastAuth: string | null;
  /** The parsed JSON body of the last provider request (null if it had none or was malformed). */
  lastBody: unknown;
  lastPath: string | null;
}

export function createStats(): MockStats {
  return {
    requests: 0,
    byPath: {},
    streamsStarted: 0,
    streamsCompleted: 0,
    streamsAborted: 0,
    streamsReset: 0,
    tokensSent: 0,
    lastAuth: null,
    lastBody: null,
    lastPath: null,
  };
}

/** Resets in place, so holders of the `stats` object keep seeing live values. */
export function resetStats(stats: MockStats): void {
  Object.assign(stats, createStats());
}
