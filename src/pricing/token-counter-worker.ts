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

const port = parentPort!;
port.on('message', (msg: CountRequest) => {
  const counts = msg.texts.map((text) => {
    try {
      return countTokens(text);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  });
  port.postMessage({ id: msg.id, counts } satisfies CountReply);
});
