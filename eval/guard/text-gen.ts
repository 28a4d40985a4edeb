/**
 * Text for simulated runs: a synthetic vocabulary (pronounceable made-up words, so no run's content
 * echoes another's by accident) mixed with English function words, drawn with a Zipf-like skew as in
 * real text. Plus the things agents say when they have nothing to add.
 */
import type { Rng } from './rng.js';

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st', 'tr', 'pl', 'gr', 'sh', 'ch', 'qu'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io'];
const CODAS = ['', '', '', 'n', 'r', 's', 'l', 'x', 'nd', 'st', 'rk'];
const FUNCTION_WORDS = [
  'the', 'of', 'and', 'to', 'in', 'is', 'for', 'on', 'with', 'that', 'this', 'by', 'as', 'it', 'from',
  'we', 'should', 'will', 'can', 'be', 'are', 'not', 'but', 'or', 'which', 'into', 'after', 'before',
  'each', 'every', 'new', 'first', 'then', 'when', 'where', 'because', 'so', 'our', 'their', 'its',
];

export class Lexicon {
  readonly words: string[];

  constructor(rng: Rng, size = 4_000) {
    const seen = new Set<string>();
    while (seen.size < size) {
      let w = '';
      const syllables = rng.int(2, 3);
      for (let i = 0; i < syllables; i++) w += rng.pick(ONSETS) + rng.pick(VOWELS) + (i === syllables - 1 ? rng.pick(CODAS) : '');
      seen.add(w);
    }
    this.words = [...seen];
  }

  /** A content word, frequent ones more often (rank ~ u^3). */
  word(rng: Rng): string {
    return this.words[Math.floor(this.words.length * rng.next() ** 3)]!;
  }

  sentence(rng: Rng, min = 8, max = 18): string {
    const n = rng.int(min, max);
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(rng.chance(0.35) ? rng.pick(FUNCTION_WORDS) : this.word(rng));
    if (rng.chance(0.15)) out.splice(rng.int(1, out.length - 1), 0, String(rng.int(2, 999)));
    const s = out.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  }

  paragraph(rng: Rng, min = 2, max = 5): string {
    const n = rng.int(min, max);
    return Array.from({ length: n }, () => this.sentence(rng)).join(' ');
  }

  identifier(rng: Rng): string {
    const a = this.word(rng);
    const b = this.word(rng);
    return rng.chance(0.5) ? `${a}${b[0]!.toUpperCase()}${b.slice(1)}` : `${a}_${b}`;
  }

  path(rng: Rng): string {
    const depth = rng.int(1, 3);
    const dirs = Array.from({ length: depth }, () => this.word(rng));
    return `src/${dirs.join('/')}/${this.word(rng)}.${rng.pick(['ts', 'ts', 'py', 'go', 'md'])}`;
  }

  /** A few lines of plausible code. */
  code(rng: Rng, lines: number): string {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) {
      const kind = rng.int(0, 3);
      const a = this.identifier(rng);
      const b = this.identifier(rng);
      if (kind === 0) out.push(`export function ${a}(${b}: ${this.word(rng)}) {`);
      else if (kind === 1) out.push(`  const ${a} = ${b}.${this.word(rng)}(${rng.int(0, 99)});`);
      else if (kind === 2) out.push(`  if (${a} > ${b}) return ${this.identifier(rng)};`);
      else out.push(`}`);
    }
    return out.join('\n');
  }
}

/** Acknowledgements agents trade when the work is done but nobody stops. */
export const ACKNOWLEDGEMENTS = [
  'Confirmed.',
  'I agree.',
  'Agreed, nothing further to add.',
  'Looks good to me.',
  'Thanks for confirming, we are aligned.',
  'Acknowledged, the plan stands.',
  'Great, confirmed on my side as well.',
  'Sounds good, proceeding as agreed.',
  'Yes, that matches my understanding.',
  'Perfect, we are on the same page.',
  'Approved.',
  'Noted and confirmed.',
  'Thank you, I have reviewed it again and it is correct.',
  'Understood. Everything checks out.',
  'Happy with this, all set.',
  'We are in full agreement here.',
];

/** Lead-ins for restating something already said. */
export const RESTATEMENTS = [
  'To summarise once more:',
  'As agreed:',
  'Restating the final plan:',
  'Just to confirm the key point:',
  'For the record:',
  'Once again, the conclusion is:',
  '',
];

/** A sentence with a word or two swapped, as a model rephrases what it already said. */
export function rephrase(rng: Rng, lexicon: Lexicon, sentence: string): string {
  const words = sentence.split(' ');
  const swaps = rng.int(0, 2);
  for (let i = 0; i < swaps; i++) words[rng.int(0, words.length - 1)] = lexicon.word(rng);
  return words.join(' ');
}
