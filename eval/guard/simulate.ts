/**
 * The run simulator: generates the labelled corpus (eval/guard/corpus.jsonl) from a fixed seed.
 * Every run gets its own generator forked from the seed and its id, so runs do not shift when one is
 * added. `npm run eval:guard -- --regenerate` rewrites the committed corpus.
 */
import type { CorpusRun } from './corpus.js';
import { Rng } from './rng.js';
import { bestOfN, codingSession, debate, humanChat, mapReduce, pipeline, polling, upstreamRetries } from './scenarios-healthy.js';
import { conversationReset, echoLoop, growingChain, lateLoop, pingPong, retryStorm, toolLoop } from './scenarios-loops.js';
import { Lexicon } from './text-gen.js';

export const SEED = 20_250_601;

type Scenario = (rng: Rng, lex: Lexicon, id: string) => CorpusRun;

const LOOP_LENGTH: [number, number] = [50, 180];

function scenarios(): [string, Scenario][] {
  const list: [string, Scenario][] = [];
  const add = (id: string, s: Scenario): void => {
    list.push([id, s]);
  };
  for (const agents of [2, 3, 4, 5]) {
    add(`ping-pong-${agents}-fresh`, (r, l, id) => pingPong(r, l, id, { agents, history: false, parentLinks: agents % 2 === 0, productive: [3, 12], loop: LOOP_LENGTH }));
    add(`ping-pong-${agents}-history`, (r, l, id) => pingPong(r, l, id, { agents, history: true, parentLinks: agents % 2 === 1, productive: [3, 12], loop: LOOP_LENGTH }));
  }
  for (const variant of ['same', 'same', 'noisy', 'noisy', 'alternating', 'alternating'] as const) {
    add(`tool-loop-${variant}-${list.length}`, (r, l, id) => toolLoop(r, l, id, { variant, productive: [4, 30], loop: LOOP_LENGTH }));
  }
  for (const variant of ['stream-cut', 'stream-cut', 'bad-request', 'rejected-output', 'rejected-output'] as const) {
    add(`retry-storm-${variant}-${list.length}`, (r, l, id) => retryStorm(r, l, id, { variant, loop: [30, 120] }));
  }
  for (let i = 0; i < 4; i++) add(`conversation-reset-${i + 1}`, (r, l, id) => conversationReset(r, l, id, { cycle: [8, 30], total: [90, 200] }));
  for (let i = 0; i < 4; i++) add(`growing-chain-${i + 1}`, (r, l, id) => growingChain(r, l, id, { agents: [3, 4], productive: [4, 10], loop: [40, 150] }));
  for (const variant of ['tool', 'tool', 'echo', 'echo'] as const) {
    add(`late-loop-${variant}-${list.length}`, (r, l, id) => lateLoop(r, l, id, { variant, productive: [60, 150], loop: LOOP_LENGTH }));
  }
  for (const agents of [2, 3]) add(`late-ping-pong-${agents}`, (r, l, id) => pingPong(r, l, id, { agents, history: true, parentLinks: false, productive: [60, 120], loop: LOOP_LENGTH }));
  add('echo-chatter-1', (r, l, id) => echoLoop(r, l, id, { productive: [3, 10], loop: LOOP_LENGTH, long: false }));
  add('echo-chatter-2', (r, l, id) => echoLoop(r, l, id, { productive: [3, 10], loop: LOOP_LENGTH, long: false }));
  add('context-bloat-1', (r, l, id) => echoLoop(r, l, id, { productive: [3, 10], loop: LOOP_LENGTH, long: true }));
  add('context-bloat-2', (r, l, id) => echoLoop(r, l, id, { productive: [3, 10], loop: LOOP_LENGTH, long: true }));

  for (let i = 0; i < 3; i++) add(`coding-session-${i + 1}`, (r, l, id) => codingSession(r, l, id, { calls: [180, 220] }));
  add('map-reduce-named', (r, l, id) => mapReduce(r, l, id, { workers: 50, sameAgentName: false, boilerplate: false }));
  add('map-reduce-boilerplate', (r, l, id) => mapReduce(r, l, id, { workers: 50, sameAgentName: true, boilerplate: true }));
  for (const agents of [2, 2, 3]) add(`debate-${agents}-${list.length}`, (r, l, id) => debate(r, l, id, { agents, rounds: [6, 16] }));
  for (let i = 0; i < 3; i++) add(`polling-${i + 1}`, (r, l, id) => polling(r, l, id, { polls: [15, 60] }));
  for (let i = 0; i < 3; i++) add(`upstream-retries-${i + 1}`, (r, l, id) => upstreamRetries(r, l, id, { calls: [30, 90] }));
  add('human-chat', (r, l, id) => humanChat(r, l, id, { turns: [20, 45] }));
  for (let i = 0; i < 2; i++) add(`pipeline-${i + 1}`, (r, l, id) => pipeline(r, l, id, { searches: [3, 10], revisions: [1, 3] }));
  add('best-of-n', (r, l, id) => bestOfN(r, l, id, { questions: [6, 12], n: 5 }));
  return list;
}

export function generateCorpus(seed = SEED): CorpusRun[] {
  const root = new Rng(seed);
  const lexicon = new Lexicon(root.fork('lexicon'));
  return scenarios().map(([id, make]) => make(root.fork(id), lexicon, id));
}

export function corpusText(runs: readonly CorpusRun[]): string {
  return runs.map((r) => JSON.stringify(r)).join('\n') + '\n';
}
