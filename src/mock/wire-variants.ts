/**
 * Directive-driven variations of a reply's wire text that real servers produce: JSON written as
 * Python's json.dumps writes it (vLLM-style OpenAI-compatible servers), and an error event inside a
 * stream whose 200 status was already sent.
 */
import type { SseFrame } from './sse-stream.js';

/** `v` as json.dumps writes it: `", "` between members and items, `": "` after keys. */
export function dumpsStyle(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(dumpsStyle).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${dumpsStyle(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v);
}

/** A JSON text re-written in json.dumps style (text that is not JSON is left as it is). */
export function spacedJson(text: string): string {
  try {
    return dumpsStyle(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Every `data:` line of each frame whose payload is JSON, re-written in json.dumps style. */
export function spacedFrames(frames: SseFrame[]): SseFrame[] {
  return frames.map((f) => ({
    ...f,
    text: f.text
      .split('\n')
      .map((line) => (line.startsWith('data: ') ? `data: ${spacedJson(line.slice(6))}` : line))
      .join('\n'),
  }));
}

/**
 * The frames up to `afterTokens` content tokens (and the frames without tokens that follow them:
 * all of them when the reply has no more tokens), then the provider's error event, built by
 * `errorEvent` from the number of frames kept; nothing after it: providers end the stream there.
 */
export function framesWithErrorEvent(frames: SseFrame[], afterTokens: number, errorEvent: (kept: number) => string): SseFrame[] {
  const kept: SseFrame[] = [];
  let tokens = 0;
  for (const f of frames) {
    if (f.tokens > 0 && tokens >= afterTokens) break;
    kept.push(f);
    tokens += f.tokens;
  }
  kept.push({ text: errorEvent(kept.length), tokens: 0 });
  // With a chunk delay the end of the stream follows a moment later, as a separate read (as from a real
  // provider): a client that stops at the error event may close before the gateway sees the end.
  kept.push({ text: '', tokens: 0 });
  return kept;
}
