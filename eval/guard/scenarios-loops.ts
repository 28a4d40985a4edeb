/**
 * Looping runs, each labelled with the index of the call where the loop begins (`onset`): the first
 * call a good guard may stop without losing useful work.
 */
import { CodingAgent, CODING_SYSTEM, CODING_TOOLS } from './coding-steps.js';
import type { CorpusMessage, CorpusReply, CorpusRun } from './corpus.js';
import type { Rng } from './rng.js';
import { Conversation, RunBuilder } from './run-builder.js';
import { ACKNOWLEDGEMENTS, rephrase, RESTATEMENTS, type Lexicon } from './text-gen.js';

export const AGENT_NAMES = ['planner', 'critic', 'reviewer', 'writer', 'verifier', 'analyst', 'coordinator', 'qa', 'researcher', 'editor'];

/** A turn that brings nothing: an acknowledgement, often with something already said restated. */
export function confirmation(rng: Rng, lex: Lexicon, said: readonly string[]): string {
  const parts = [rng.pick(ACKNOWLEDGEMENTS)];
  if (said.length > 0 && rng.chance(0.7)) parts.push(`${rng.pick(RESTATEMENTS)} ${rephrase(rng, lex, rng.pick(said))}`.trim());
  return parts.join(' ');
}

function sentences(paragraph: string): string[] {
  return paragraph.split(/(?<=\.)\s+/).filter((s) => s.length > 0);
}

/** Agents handing a discussion around; after a productive phase they only confirm each other. */
export function pingPong(
  rng: Rng,
  lex: Lexicon,
  id: string,
  o: { agents: number; history: boolean; parentLinks: boolean; productive: [number, number]; loop: [number, number] },
): CorpusRun {
  const b = new RunBuilder(rng, id);
  const names = rng.shuffle(AGENT_NAMES).slice(0, o.agents);
  const productive = rng.int(...o.productive);
  const total = productive + rng.int(...o.loop);
  const task = `Agree on a rollout plan for the ${lex.word(rng)} service. ${lex.sentence(rng)}`;
  const said: string[] = [];
  const convs = names.map((name) => new Conversation(b, { agent: name, system: `You are the ${name} on a team of ${o.agents} agents. ${lex.sentence(rng)}`, task }));
  const heard: string[][] = names.map(() => []);
  let prev: number | null = null;
  let prevText = '';
  for (let t = 0; t < total; t++) {
    const a = t % o.agents;
    const name = names[a]!;
    let text: string;
    if (t < productive) {
      const quote = prevText !== '' && rng.chance(0.5) ? `${rng.pick(sentences(prevText))} ` : '';
      text = `${quote}${lex.paragraph(rng, 2, 4)}`;
      said.push(...sentences(text));
    } else {
      // What gets restated is the conclusion: the last few productive turns.
      text = confirmation(rng, lex, said.slice(-12));
    }
    const parent = o.parentLinks ? prev : null;
    if (o.history) {
      const conv = convs[a]!;
      const inbox = heard[a]!.splice(0).join('\n\n');
      prev = conv.step({ reply: { text }, user: inbox === '' ? 'Start the discussion.' : inbox, parent });
    } else {
      const user = t === 0 ? task : `The ${names[(t - 1) % o.agents]} says:\n${prevText}\n\nReply to the team as the ${name}.`;
      prev = b.add({ agent: name, parent, messages: [{ role: 'system', content: `You are the ${name}. ${task}` }, { role: 'user', content: user }], reply: { text } });
    }
    for (let other = 0; other < o.agents; other++) if (other !== a) heard[other]!.push(`${name}: ${text}`);
    prevText = text;
  }
  const how = o.history ? 'each agent keeps its own growing history' : 'each call is a fresh context with the last message';
  return b.build('ping-pong', 'loop', productive, `${o.agents} agents (${names.join(', ')}); ${productive} productive turns, then they only confirm each other; ${how}`);
}

/** A coding agent that, after some real work, repeats one tool call (or two, alternating) forever. */
export function toolLoop(rng: Rng, lex: Lexicon, id: string, o: { variant: 'same' | 'noisy' | 'alternating'; productive: [number, number]; loop: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'coder' : null, system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const productive = rng.int(...o.productive);
  let result = '';
  for (let i = 0; i < productive; i++) {
    const step = agent.next();
    conv.step({ reply: step.reply, toolResult: result });
    result = step.result;
  }
  const loop = rng.int(...o.loop);
  const path = lex.path(rng);
  const content = lex.code(rng, rng.int(6, 20));
  if (o.variant === 'alternating') {
    const read: CorpusReply = { tool_call: { name: 'read_file', arguments: JSON.stringify({ path }) } };
    const edit: CorpusReply = { tool_call: { name: 'edit_file', arguments: JSON.stringify({ path, old_string: lex.code(rng, 2), new_string: lex.code(rng, 2) }) } };
    for (let i = 0; i < loop; i++) {
      conv.step({ reply: i % 2 === 0 ? read : edit, toolResult: result });
      result = i % 2 === 0 ? content : `Error: old_string not found in ${path}`;
    }
    return b.build('tool-loop', 'loop', productive + 2, `${productive} productive steps, then read_file and a failing edit_file of ${path} alternate (A-B-A-B)`);
  }
  const command = rng.pick(['read', 'tests', 'grep']);
  for (let i = 0; i < loop; i++) {
    const extra = o.variant === 'noisy' ? { request_id: rng.uuid() } : {};
    let reply: CorpusReply;
    if (command === 'read') reply = { tool_call: { name: 'read_file', arguments: JSON.stringify({ ...extra, path }) } };
    else if (command === 'tests') reply = { tool_call: { name: 'run_tests', arguments: JSON.stringify({ command: 'npm test', ...extra }) } };
    else reply = { tool_call: { name: 'grep', arguments: JSON.stringify({ pattern: 'TODO', ...extra, path: 'src' }) } };
    conv.step({ reply, toolResult: result });
    const stamp = o.variant === 'noisy' ? `[${new Date(Date.UTC(2025, 0, 1) + b.clock).toISOString()}] ` : '';
    result = command === 'tests' ? `${stamp}Ran ${rng.int(100, 120)} tests: 1 failed.\nFAILED test_${path.length} - timeout` : `${stamp}${content}`;
  }
  const noise = o.variant === 'noisy' ? ' with a fresh request_id in the arguments and timestamps in the results' : '';
  return b.build('tool-loop', 'loop', productive + 1, `${productive} productive steps, then the same ${command} tool call again and again${noise}`);
}

/** A client retrying: cut streams, a request the upstream rejects, or answers the client rejects. */
export function retryStorm(rng: Rng, lex: Lexicon, id: string, o: { variant: 'stream-cut' | 'bad-request' | 'rejected-output'; loop: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'extractor' : null, system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const productive = rng.int(2, 12);
  let result = '';
  for (let i = 0; i < productive; i++) {
    const step = agent.next();
    conv.step({ reply: step.reply, toolResult: result });
    result = step.result;
  }
  const loop = rng.int(...o.loop);
  const text = lex.paragraph(rng, 3, 6);
  for (let i = 0; i <= loop; i++) {
    const gapMs = rng.int(30, 400);
    let reply: CorpusReply;
    if (o.variant === 'stream-cut') reply = { text, error_after_tokens: rng.int(5, 60) };
    else if (o.variant === 'bad-request') reply = { status: 400 };
    else reply = { text: `{"result": ${JSON.stringify(rephrase(rng, lex, lex.sentence(rng)))}, "items": [` };
    if (i === 0) conv.step({ reply, toolResult: result, stream: o.variant === 'stream-cut', gapMs });
    else conv.step({ reply, retry: true, stream: o.variant === 'stream-cut', gapMs });
  }
  const what = {
    'stream-cut': 'the stream is cut mid-answer and the client re-sends the same request at once',
    'bad-request': 'the upstream rejects the request with 400 and the client re-sends it at once',
    'rejected-output': 'the client rejects the (truncated JSON) answer and re-sends the same request at once',
  }[o.variant];
  return b.build('retry-storm', 'loop', productive + 1, `${productive} productive steps, then ${what}, ${loop} times`);
}

/** A conversation that restarts from the task and does the same work again, and again. */
export function conversationReset(rng: Rng, lex: Lexicon, id: string, o: { cycle: [number, number]; total: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'coder' : null, system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const cycle = rng.int(...o.cycle);
  const steps = Array.from({ length: cycle }, () => agent.next());
  const total = rng.int(...o.total);
  for (let i = 0; i < total; i++) {
    const k = i % cycle;
    if (k === 0) conv.reset();
    const step = steps[k]!;
    const reply: CorpusReply = { ...step.reply };
    if (reply.text !== undefined) reply.text = rephrase(rng, lex, reply.text);
    conv.step({ reply, toolResult: k === 0 ? '' : steps[k - 1]!.result });
  }
  return b.build('conversation-reset', 'loop', cycle, `a ${cycle}-step session that restarts from the task and repeats the same steps (${total} calls)`);
}

/**
 * Agents passing a growing transcript along a chain (a group chat: each call sends the whole
 * transcript so far, its parent is the previous call); after a while each only restates it.
 */
export function growingChain(rng: Rng, lex: Lexicon, id: string, o: { agents: [number, number]; productive: [number, number]; loop: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const names = rng.shuffle(AGENT_NAMES).slice(0, rng.int(...o.agents));
  const productive = rng.int(...o.productive);
  const total = productive + rng.int(...o.loop);
  const said: string[] = [];
  let prev: number | null = null;
  const topic = `Review the ${lex.word(rng)} incident report. ${lex.sentence(rng)}`;
  for (let t = 0; t < total; t++) {
    const name = names[t % names.length]!;
    let text: string;
    if (t < productive) {
      text = lex.paragraph(rng, 1, 3);
      said.push(...sentences(text));
    } else {
      text = `${rng.pick(RESTATEMENTS)} ${rephrase(rng, lex, rng.pick(said))} ${rng.chance(0.4) ? rng.pick(ACKNOWLEDGEMENTS) : ''}`.trim();
    }
    const turn = `Continue the review as the ${name}.`;
    const messages: CorpusMessage[] = prev === null ? [{ role: 'system', content: 'A review chain. Each agent adds to the transcript.' }, { role: 'user', content: `${topic}\n\n${turn}` }] : [{ role: 'user', content: turn }];
    prev = b.add({ agent: name, parent: prev, continues: prev, messages, reply: { text } });
  }
  return b.build('growing-chain', 'loop', productive, `${names.length} agents pass a growing transcript along a parent chain; after ${productive} turns each only restates it`);
}

/** One agent, driven by an auto-continue harness, that keeps restating its answer. */
export function echoLoop(rng: Rng, lex: Lexicon, id: string, o: { productive: [number, number]; loop: [number, number]; long: boolean }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'assistant' : null, system: 'You are a research assistant.', task: `Write up the findings on ${lex.word(rng)}. ${lex.sentence(rng)}` });
  const productive = rng.int(...o.productive);
  const said: string[] = [];
  for (let i = 0; i < productive; i++) {
    const text = lex.paragraph(rng, 2, 5);
    said.push(...sentences(text));
    conv.step({ reply: { text }, user: i === 0 ? undefined : `${rng.pick(['Go on.', 'Next point please.', 'What else?'])} ${lex.sentence(rng, 4, 8)}` });
  }
  const answer = said.slice(-6);
  const loop = rng.int(...o.loop);
  for (let i = 0; i < loop; i++) {
    const text = o.long
      ? `${rng.pick(RESTATEMENTS)} ${answer.map((s) => rephrase(rng, lex, s)).join(' ')}`
      : confirmation(rng, lex, answer);
    conv.step({ reply: { text }, user: o.long ? 'Refine the answer.' : 'Continue.' });
  }
  const what = o.long ? 'restates its whole answer on every "Refine the answer."' : 'answers every "Continue." with the same summary';
  return b.build(o.long ? 'context-bloat' : 'echo-chatter', 'loop', productive, `${productive} productive turns, then the agent ${what}`);
}

/** A long productive coding session that ends in a tool loop or in echoing. */
export function lateLoop(rng: Rng, lex: Lexicon, id: string, o: { variant: 'tool' | 'echo'; productive: [number, number]; loop: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: 'coder', system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const productive = rng.int(...o.productive);
  let result = '';
  for (let i = 0; i < productive; i++) {
    const step = agent.next();
    conv.step({ reply: step.reply, toolResult: result });
    result = step.result;
  }
  const loop = rng.int(...o.loop);
  if (o.variant === 'tool') {
    const reply: CorpusReply = { tool_call: { name: 'run_tests', arguments: JSON.stringify({ command: 'npm test -- --runInBand' }) } };
    for (let i = 0; i < loop; i++) {
      conv.step({ reply, toolResult: result });
      result = `Ran ${rng.int(200, 210)} tests: 1 failed.\nFAILED test_flaky_${lex.word(rng).length} - timeout after 5000ms`;
    }
    return b.build('late-loop', 'loop', productive + 1, `${productive} productive coding steps, then the same run_tests call forever`);
  }
  const summary = lex.paragraph(rng, 3, 5);
  const said = sentences(summary);
  conv.step({ reply: { text: `Done. ${summary}` }, toolResult: result });
  for (let i = 0; i < loop; i++) conv.step({ reply: { text: confirmation(rng, lex, said) }, user: 'Continue.' });
  return b.build('late-loop', 'loop', productive + 1, `${productive} productive coding steps and a summary, then the summary restated on every "Continue."`);
}
