/**
 * Acknowledgements carry no work: "Confirmed.", "I agree, looks good!", "Thanks, all set on my side",
 * "As agreed:", "To summarise once more:". An output is read sentence by sentence (clauses end at
 * . ! ? ; : or a line break); a clause is an acknowledgement when it has few content words and most
 * of them come from this closed list of acknowledgement and restatement words. The rest of the
 * output is what its novelty is measured on. English only; other languages rely on novelty alone.
 */
import { fnvString, readWordHashes } from './text.js';

const ACK_WORDS = [
  'ok', 'okay', 'yes', 'yep', 'sure', 'agree', 'agreed', 'agreeing', 'agreement', 'confirm', 'confirmed',
  'confirming', 'confirmation', 'acknowledged', 'acknowledge', 'ack', 'approve', 'approved', 'approval',
  'lgtm', 'thanks', 'thank', 'great', 'good', 'perfect', 'excellent', 'sounds', 'looks', 'fine', 'correct',
  'right', 'exactly', 'indeed', 'absolutely', 'understood', 'understanding', 'noted', 'done', 'aligned',
  'alignment', 'same', 'page', 'set', 'proceed', 'proceeding', 'go', 'ahead', 'nothing', 'add', 'further',
  'more', 'again', 'once', 'still', 'stands', 'valid', 'holds', 'verified', 'verify', 'consensus', 'final',
  'finalized', 'finalised', 'complete', 'completed', 'ready', 'happy', 'glad', 'appreciate', 'well', 'nice',
  'reviewed', 'review', 'checked', 'checks', 'everything', 'fully', 'full', 'totally', 'completely', 'concur',
  'seconded', 'support', 'wonderful', 'awesome', 'matches', 'match', 'side', 'summary', 'summarise',
  'summarize', 'recap', 'restating', 'restate', 'record', 'conclusion', 'key', 'point', 'plan', 'out',
];

/** Function words: they count neither as content nor as acknowledgement. */
const STOP_WORDS = [
  'i', 'we', 'you', 'it', 'this', 'that', 'these', 'those', 'is', 'are', 'was', 'be', 'been', 'am', 'the',
  'a', 'an', 'and', 'or', 'to', 'of', 'on', 'in', 'for', 'with', 'as', 'at', 'by', 'from', 'my', 'our',
  'your', 'its', 'all', 'so', 'very', 'too', 'also', 'just', 'here', 'there', 'me', 'us', 'have', 'has',
  'do', 'does', 'will', 'can', 'let', 's', 're', 'm', 've', 'll', 'd', 't', 'now', 'then', 'up', 'is',
];

const ACK = new Set(ACK_WORDS.map(fnvString));
const STOP = new Set(STOP_WORDS.map(fnvString));
const words = new Int32Array(4_096);

/** Content words (not function words) and how many of them are acknowledgement words. */
export function affirmationCounts(text: string, start = 0, end = text.length): { content: number; ack: number } {
  let content = 0;
  let ack = 0;
  const n = readWordHashes(text, start, end, words);
  for (let i = 0; i < n; i++) {
    const h = words[i]!;
    if (STOP.has(h)) continue;
    content++;
    if (ACK.has(h)) ack++;
  }
  return { content, ack };
}

/** At most `maxWords` content words, at least half of them acknowledgements (or none at all). */
export function isAffirmation(text: string, maxWords: number, start = 0, end = text.length): boolean {
  const { content, ack } = affirmationCounts(text, start, end);
  return content <= maxWords && ack * 2 >= content;
}

/** Clause ends: . ! ? ; : and line breaks (runs of them end one clause). */
function isClauseEnd(c: number): boolean {
  return c === 46 || c === 33 || c === 63 || c === 59 || c === 58 || c === 10;
}

/**
 * The clauses of `text` that are not acknowledgements, as [start, end) pairs written to `out` (the
 * count of pairs is returned; at most out.length / 2): read in place, no strings, no regex match
 * objects (the guard's per-call path). A clause without words counts as an acknowledgement, so blank
 * clauses are dropped too.
 */
export function substanceRanges(text: string, maxWords: number, out: Int32Array): number {
  const n = text.length;
  let count = 0;
  let start = 0;
  for (;;) {
    let j = start;
    while (j < n && !isClauseEnd(text.charCodeAt(j))) j++;
    if (j > start && !isAffirmation(text, maxWords, start, j)) {
      if (2 * count + 1 >= out.length) return count;
      out[2 * count] = start;
      out[2 * count + 1] = j;
      count++;
    }
    if (j >= n) return count;
    while (j < n && isClauseEnd(text.charCodeAt(j))) j++;
    start = j;
  }
}

const ranges = new Int32Array(16_384);

/** The clauses of `text` that are not acknowledgements (as strings); none when the whole text only acknowledges. */
export function substance(text: string, maxWords: number): string[] {
  const count = substanceRanges(text, maxWords, ranges);
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(text.slice(ranges[2 * i]!, ranges[2 * i + 1]!));
  return out;
}
