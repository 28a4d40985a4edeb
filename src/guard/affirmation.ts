/**
 * Short affirmations ("Confirmed.", "I agree, looks good!", "Thanks, all set on my side") carry no
 * work. An output counts as one when it has few content words and most of them come from this
 * closed list of acknowledgement words. English only; other languages rely on the novelty measure.
 */
import { fnvString, readWordHashes } from './text.js';

const ACK_WORDS = [
  'ok', 'okay', 'yes', 'yep', 'sure', 'agree', 'agreed', 'agreeing', 'confirm', 'confirmed', 'confirming',
  'confirmation', 'acknowledged', 'acknowledge', 'ack', 'approve', 'approved', 'approval', 'lgtm', 'thanks',
  'thank', 'great', 'good', 'perfect', 'excellent', 'sounds', 'looks', 'fine', 'correct', 'right', 'exactly',
  'indeed', 'absolutely', 'understood', 'noted', 'done', 'aligned', 'alignment', 'same', 'page', 'set',
  'proceed', 'proceeding', 'go', 'ahead', 'nothing', 'add', 'further', 'more', 'again', 'still', 'stands',
  'valid', 'holds', 'verified', 'verify', 'consensus', 'final', 'finalized', 'finalised', 'complete',
  'completed', 'ready', 'happy', 'glad', 'appreciate', 'well', 'nice', 'reviewed', 'review', 'checked',
  'everything', 'fully', 'totally', 'completely', 'concur', 'seconded', 'support', 'wonderful', 'awesome',
];

/** Function words: they neither count as content nor as acknowledgement. */
const STOP_WORDS = [
  'i', 'we', 'you', 'it', 'this', 'that', 'these', 'those', 'is', 'are', 'was', 'be', 'been', 'am', 'the',
  'a', 'an', 'and', 'or', 'to', 'of', 'on', 'in', 'for', 'with', 'as', 'at', 'by', 'from', 'my', 'our',
  'your', 'its', 'all', 'so', 'very', 'too', 'also', 'just', 'here', 'there', 'me', 'us', 'have', 'has',
  'do', 'does', 'will', 'can', 'let', 's', 're', 'm', 've', 'll', 'd', 't', 'now', 'then', 'from', 'up',
];

const ACK = new Set(ACK_WORDS.map(fnvString));
const STOP = new Set(STOP_WORDS.map(fnvString));
/** Only the beginning of a long text is read: an affirmation is short by definition. */
const READ_CHARS = 2_000;
const words = new Int32Array(READ_CHARS);

/** Content words (not function words) and how many of them are acknowledgement words. */
export function affirmationCounts(text: string): { content: number; ack: number } {
  let content = 0;
  let ack = 0;
  const n = readWordHashes(text, 0, READ_CHARS, words);
  for (let i = 0; i < n; i++) {
    const h = words[i]!;
    if (STOP.has(h)) continue;
    content++;
    if (ACK.has(h)) ack++;
  }
  return { content, ack };
}

/** At most `maxWords` content words, at least half of them acknowledgements. */
export function isAffirmation(text: string, maxWords: number): boolean {
  const { content, ack } = affirmationCounts(text);
  return content > 0 && content <= maxWords && ack * 2 >= content;
}
