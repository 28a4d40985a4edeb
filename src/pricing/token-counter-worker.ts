/**
 * Worker thread of token-counter.ts: loads the o200k tokenizer (gpt-tokenizer's default encoding) and
 * answers batches of texts with their token counts, or the error a text raised (a disallowed special
 * token), position by position. It exits when the counter terminates it after a quiet spell.
 */
import { parentPort } from 'node:worker_threads';
import { countTokens } from 'gpt-tokenizer';

export interface CountRequest {
  id: number;
  texts: string[];
}
/** One entry per text: its count, or the message of the error counting it threw. */
export interface CountReply {
  id: number;
  counts: (number | string)[];
}

/**
 * Long texts are counted in pieces cut at whitespace: the tokenizer's cost grows with the square of
 * a long run without breaks (100 KB of one letter took seconds), pieces keep it linear. A count may
 * then differ by a token per piece from counting the whole, which an estimate can afford.
 */
const PIECE = 8_192;

function countLong(text: string): number {
  if (text.length <= PIECE) return countTokens(text);
  let total = 0;
  for (let start = 0; start < text.length; ) {
    let end = Math.min(start + PIECE, text.length);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start + PIECE / 2) end = space;
    }
    total += countTokens(text.slice(start, end));
    start = end;
  }
  return total;
}

const port = parentPort!;
port.on('message', (msg: CountRequest) => {
  const counts = msg.texts.map((text) => {
    try {
      return countLong(text);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  });
  port.postMessage({ id: msg.id, counts } satisfies CountReply);
});
