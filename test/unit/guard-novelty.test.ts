// The run guard's novelty measure reads a kept sample (a plain array, replay) exactly as a live one.
import { describe, expect, it } from 'vitest';
import { measureNoveltyInPlace, newNoveltyMemory, type SampleView } from '../../src/guard/novelty.js';

/** The same hashes behind the SampleView interface only (not an array). */
const view = (hashes: number[]): SampleView => ({ length: hashes.length, at: (i) => hashes[i] });

describe('novelty of a kept sample', () => {
  it('measures and remembers as the live sample does, through generation turnovers', () => {
    const byArray = newNoveltyMemory();
    const byView = newNoveltyMemory();
    let x = 12345;
    const next = (): number => (x = (Math.imul(x, 1_103_515_245) + 12_345) | 0);
    for (let call = 0; call < 200; call++) {
      // Repeats (seen shingles), fresh ones, empty and long outputs (more than the 48 read).
      const length = call % 17 === 0 ? 0 : call % 5 === 0 ? 100 : 1 + (call % 40);
      const hashes = Array.from({ length }, (_, k) => (k % 3 === 0 ? k * 7919 : next()));
      expect(measureNoveltyInPlace(byArray, hashes)).toBe(measureNoveltyInPlace(byView, view(hashes)));
      expect(byArray).toEqual(byView);
    }
  });
});
