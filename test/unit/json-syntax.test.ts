/** findJsonError agrees with JSON.parse on what is JSON, and says where a text breaks without quoting it. */
import { describe, expect, it } from 'vitest';
import { findJsonError } from '../../src/pipeline/json-syntax.js';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A small deterministic generator (no flaky seeds). */
function rng(seed: number): () => number {
  let x = seed;
  return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
}

const SAMPLES = [
  '{"model":"m","messages":[{"role":"user","content":"h\\u00e9llo \\"q\\" \\n"}],"max_tokens":10,"t":-1.5e+3,"n":null,"s":true,"f":false}',
  '[1, 0, -0.25, 2E-2, [], {}, [[{"a":[]}]], "x"]',
  ' \t\r\n{ "a" : { "b" : [ 1 , 2 ] } } \n',
  '"just a string"',
  '0',
];
const NOISE = ['{', '}', '[', ']', ',', ':', '"', '\\', 'e', '-', '+', '.', '0', '1', 'x', ' ', 't', 'n', '\u0001', 'u'];

describe('findJsonError', () => {
  it('finds nothing wrong in JSON', () => {
    for (const t of SAMPLES) expect(findJsonError(t)).toBeNull();
  });

  it('agrees with JSON.parse on mutated texts', () => {
    const r = rng(7);
    for (let k = 0; k < 5000; k++) {
      const base = SAMPLES[k % SAMPLES.length]!;
      const at = Math.floor(r() * (base.length + 1));
      const cut = r() < 0.3;
      const text = cut ? base.slice(0, at) : base.slice(0, at) + NOISE[Math.floor(r() * NOISE.length)]! + base.slice(at + (r() < 0.5 ? 1 : 0));
      const e = findJsonError(text);
      expect(e === null, text).toBe(parses(text));
      if (e) expect(e.position).toBeLessThanOrEqual(text.length);
    }
  });

  it.each([
    ['SECRETVALUE-abc', 0, 1, 1, 'unexpected character'],
    ['{"a":1,}', 7, 1, 8, 'expected a property name in double quotes'],
    ['{"a":\n  1 2}', 10, 2, 5, "expected ',' or '}'"],
    ['{"model":', 9, 1, 10, 'unexpected end of the body'],
    ['["x\\q"]', 4, 1, 5, 'invalid escape'],
    ['{} SECRET', 3, 1, 4, 'unexpected character after the end of the JSON'],
    ['', 0, 1, 1, 'unexpected end of the body'],
  ])('locates the error in %j', (text, position, line, column, problem) => {
    expect(findJsonError(text)).toEqual({ position, line, column, problem });
  });

  it('copes with deep nesting', () => {
    expect(findJsonError('['.repeat(200_000))?.problem).toBe('unexpected end of the body');
    expect(findJsonError('['.repeat(200_000) + ']'.repeat(200_000))).toBeNull();
  });
});
