import { afterAll, describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer';
import { TokenCounter } from '../../src/pricing/token-counter.js';

const counter = new TokenCounter(200);
afterAll(() => counter.close());

describe('token counter (worker thread)', () => {
  it('counts exactly as gpt-tokenizer does, many texts in one batch', async () => {
    const texts = ['', 'hello world', 'Summarise the notes, keeping every number and owner. '.repeat(500), 'naïve café – 日本語のテキスト 🙂', '{"a": [1, 2, 3]}'];
    const counts = await Promise.all(texts.map((t) => counter.count(t)));
    expect(counts).toEqual(texts.map((t) => countTokens(t)));
  });

  it('fails only the text that cannot be counted', async () => {
    const [bad, good] = await Promise.allSettled([counter.count('x <|endoftext|> y'), counter.count('fine')]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: countTokens('fine') });
  });

  it('stops its worker when idle and starts a new one on demand', async () => {
    await counter.count('wake up');
    expect(counter.running).toBe(true);
    await expect.poll(() => counter.running, { timeout: 3000, interval: 50 }).toBe(false);
    expect(await counter.count('and again')).toBe(countTokens('and again'));
    expect(counter.running).toBe(true);
  });
});
