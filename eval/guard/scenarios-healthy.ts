/** Healthy runs the guard must leave alone, however repetitive they look. */
import { CodingAgent, CODING_SYSTEM, CODING_TOOLS } from './coding-steps.js';
import type { CorpusReply, CorpusRun } from './corpus.js';
import type { Rng } from './rng.js';
import { Conversation, RunBuilder } from './run-builder.js';
import { AGENT_NAMES } from './scenarios-loops.js';
import type { Lexicon } from './text-gen.js';

/** A long coding session: many similar but different tool calls, re-reads, repeated test runs. */
export function codingSession(rng: Rng, lex: Lexicon, id: string, o: { calls: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'coder' : null, system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const n = rng.int(...o.calls);
  let result = '';
  for (let i = 0; i < n - 1; i++) {
    const step = agent.next();
    // Tests take a while; other tools return at once.
    const gapMs = conv.lastReply?.tool_call?.name === 'run_tests' ? rng.int(2_000, 12_000) : rng.int(80, 900);
    conv.step({ reply: step.reply, toolResult: result, gapMs });
    result = step.result;
  }
  conv.step({ reply: { text: `All tests pass now. ${lex.paragraph(rng, 2, 3)}` }, toolResult: result });
  return b.build('coding-session', 'healthy', null, `a ${n}-call coding session: reads, greps, edits and test runs, growing history`);
}

/** An orchestrator fans a task out to 50 parallel workers over different documents, then reduces. */
export function mapReduce(rng: Rng, lex: Lexicon, id: string, o: { workers: number; sameAgentName: boolean; boilerplate: boolean }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const plan = b.add({ agent: 'orchestrator', messages: [{ role: 'system', content: 'You coordinate document analysis.' }, { role: 'user', content: `Plan the analysis of ${o.workers} contracts. ${lex.sentence(rng)}` }], reply: { text: lex.paragraph(rng, 2, 3) } });
  const start = b.clock;
  const header = o.boilerplate ? `${lex.paragraph(rng, 4, 6)}\n\n` : '';
  const instruction = 'Summarise the following document for the quarterly risk report. List the risks, their owners and the deadlines.';
  const summaries: string[] = [];
  let end = start;
  for (let w = 0; w < o.workers; w++) {
    const doc = `${header}${lex.paragraph(rng, 6, 14)}\n\n${lex.paragraph(rng, 3, 8)}`;
    const summary = lex.paragraph(rng, 2, 4);
    summaries.push(summary);
    const at = start + rng.int(0, 2_500);
    const i = b.add({
      agent: o.sameAgentName ? 'worker' : `worker-${String(w + 1).padStart(2, '0')}`,
      parent: plan,
      atMs: at,
      messages: [{ role: 'system', content: 'You summarise documents.' }, { role: 'user', content: `${instruction}\n\n${doc}` }],
      reply: { text: summary },
    });
    end = Math.max(end, at + b.calls[i]!.duration_ms);
  }
  b.clock = end;
  b.add({
    agent: 'orchestrator',
    parent: plan,
    messages: [{ role: 'system', content: 'You coordinate document analysis.' }, { role: 'user', content: `Combine these summaries into one report:\n\n${summaries.join('\n\n')}` }],
    reply: { text: lex.paragraph(rng, 4, 7) },
  });
  const how = `${o.sameAgentName ? 'all named "worker"' : 'named worker-01..'}${o.boilerplate ? ', documents sharing a long boilerplate header' : ''}`;
  return b.build('map-reduce', 'healthy', null, `fan-out of ${o.workers} parallel workers (${how}) with the same instruction over different documents, then a reduce`);
}

/** Two or three agents argue, converge, agree once each, and stop. */
export function debate(rng: Rng, lex: Lexicon, id: string, o: { agents: number; rounds: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const names = rng.shuffle(AGENT_NAMES).slice(0, o.agents);
  const question = `Which design should the ${lex.word(rng)} team adopt? ${lex.sentence(rng)}`;
  const convs = names.map((name) => new Conversation(b, { agent: name, system: `You are the ${name} in a debate. Argue your position, concede when convinced.`, task: question }));
  const rounds = rng.int(...o.rounds);
  const answer = lex.sentence(rng);
  let last = '';
  let prev: number | null = null;
  for (let t = 0; t < rounds + o.agents; t++) {
    const a = t % o.agents;
    const converging = t >= rounds;
    const text = converging ? `I agree with the final position: ${answer}` : `${t >= rounds - 2 ? `${answer} ` : ''}${lex.paragraph(rng, 2, 4)}`;
    prev = convs[a]!.step({ reply: { text }, user: last === '' ? undefined : last, parent: prev });
    last = `${names[a]}: ${text}`;
  }
  return b.build('debate', 'healthy', null, `${o.agents} agents debate for ${rounds} turns, converge, agree once each and stop`);
}

/** An agent starts a job and polls it with the same call every 20-90 s until it is done. */
export function polling(rng: Rng, lex: Lexicon, id: string, o: { polls: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'operator' : null, system: 'You run batch jobs and report their results.', task: `Run the ${lex.word(rng)} backfill and report when done.`, tools: ['start_job', 'check_status'] });
  const job = `job-${rng.hex(8)}`;
  conv.step({ reply: { tool_call: { name: 'start_job', arguments: JSON.stringify({ name: 'backfill', shards: rng.int(4, 64) }) } } });
  let result = `Started ${job}.`;
  const polls = rng.int(...o.polls);
  const interval = rng.int(20_000, 90_000);
  const check: CorpusReply = { tool_call: { name: 'check_status', arguments: JSON.stringify({ job_id: job }) } };
  for (let i = 0; i < polls; i++) {
    conv.step({ reply: check, toolResult: result, gapMs: i === 0 ? rng.int(200, 900) : interval + rng.int(-3_000, 3_000) });
    result = `${job}: running, ${Math.round((100 * (i + 1)) / (polls + 1))}% done, eta ${rng.int(1, 60)} minutes`;
  }
  conv.step({ reply: { text: `The backfill finished. ${lex.paragraph(rng, 1, 2)}` }, toolResult: `${job}: done`, gapMs: interval });
  return b.build('polling', 'healthy', null, `polling a job ${polls} times with the identical call every ~${Math.round(interval / 1000)} s`);
}

/** A session with bursts of upstream errors (429, 500, 503, 529), each retried with backoff until it passes. */
export function upstreamRetries(rng: Rng, lex: Lexicon, id: string, o: { calls: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const agent = new CodingAgent(rng, lex);
  const conv = new Conversation(b, { agent: rng.chance(0.5) ? 'coder' : null, system: CODING_SYSTEM, task: agent.task(), tools: CODING_TOOLS });
  const n = rng.int(...o.calls);
  let result = '';
  let bursts = 0;
  while (b.calls.length < n) {
    const step = agent.next();
    if (rng.chance(0.2)) {
      bursts++;
      const status = rng.pick([429, 429, 500, 503, 529]);
      const failures = rng.int(1, 6);
      conv.step({ reply: { status }, toolResult: result });
      for (let f = 1; f < failures; f++) conv.step({ reply: { status }, retry: true, gapMs: Math.min(30_000, 500 * 2 ** f) + rng.int(0, 400) });
      conv.step({ reply: step.reply, retry: true, gapMs: Math.min(30_000, 500 * 2 ** failures) });
    } else {
      conv.step({ reply: step.reply, toolResult: result });
    }
    result = step.result;
  }
  return b.build('upstream-retries', 'healthy', null, `a ${b.calls.length}-call session with ${bursts} bursts of upstream 429/5xx errors retried with backoff`);
}

/** A person chatting: paced turns, every message new. */
export function humanChat(rng: Rng, lex: Lexicon, id: string, o: { turns: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const conv = new Conversation(b, { system: 'You are a helpful assistant.', task: lex.paragraph(rng, 1, 2) });
  const turns = rng.int(...o.turns);
  for (let i = 0; i < turns; i++) {
    conv.step({ reply: { text: lex.paragraph(rng, 1, 4) }, user: i === 0 ? undefined : lex.paragraph(rng, 1, 2), gapMs: i === 0 ? 0 : rng.int(15_000, 300_000) });
  }
  return b.build('human-chat', 'healthy', null, `a person chatting for ${turns} turns`);
}

/** Plan, research with searches, write, review, revise, approve. */
export function pipeline(rng: Rng, lex: Lexicon, id: string, o: { searches: [number, number]; revisions: [number, number] }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const topic = `Write a briefing on ${lex.word(rng)} ${lex.word(rng)}.`;
  const plan = b.add({ agent: 'planner', messages: [{ role: 'system', content: 'You plan research.' }, { role: 'user', content: topic }], reply: { text: lex.paragraph(rng, 2, 4) } });
  const research = new Conversation(b, { agent: 'researcher', system: 'You research with web_search.', task: `${topic} ${lex.sentence(rng)}`, tools: ['web_search'] });
  let result = '';
  const searches = rng.int(...o.searches);
  for (let i = 0; i < searches; i++) {
    research.step({ reply: { tool_call: { name: 'web_search', arguments: JSON.stringify({ query: `${lex.word(rng)} ${lex.word(rng)} ${lex.word(rng)}` }) } }, toolResult: result, parent: plan });
    result = Array.from({ length: 3 }, () => `- ${lex.sentence(rng)} (https://example.org/${lex.word(rng)})`).join('\n');
  }
  research.step({ reply: { text: lex.paragraph(rng, 3, 5) }, toolResult: result, parent: plan });
  const writer = new Conversation(b, { agent: 'writer', system: 'You write briefings.', task: `${topic} Notes: ${lex.paragraph(rng, 2, 3)}` });
  const reviewer = new Conversation(b, { agent: 'reviewer', system: 'You review briefings and approve them when they are good.', task: topic });
  let draft = lex.paragraph(rng, 4, 7);
  writer.step({ reply: { text: draft }, parent: plan });
  const revisions = rng.int(...o.revisions);
  for (let r = 0; r < revisions; r++) {
    const notes = lex.paragraph(rng, 1, 3);
    reviewer.step({ reply: { text: `Changes needed: ${notes}` }, user: draft });
    draft = lex.paragraph(rng, 4, 7);
    writer.step({ reply: { text: draft }, user: `Reviewer: ${notes}` });
  }
  reviewer.step({ reply: { text: 'Approved. The briefing is ready to send.' }, user: draft });
  return b.build('pipeline', 'healthy', null, `planner, researcher (${searches} searches), writer and reviewer with ${revisions} revisions, then approval`);
}

/** Best-of-n: the same question sampled several times in parallel, for several questions. */
export function bestOfN(rng: Rng, lex: Lexicon, id: string, o: { questions: [number, number]; n: number }): CorpusRun {
  const b = new RunBuilder(rng, id);
  const questions = rng.int(...o.questions);
  for (let q = 0; q < questions; q++) {
    const question = lex.paragraph(rng, 1, 2);
    const start = b.clock + rng.int(100, 800);
    let end = start;
    for (let k = 0; k < o.n; k++) {
      const i = b.add({ agent: 'solver', atMs: start + rng.int(0, 40), messages: [{ role: 'user', content: `Solve step by step: ${question}` }], reply: { text: lex.paragraph(rng, 2, 4) } });
      end = Math.max(end, b.calls[i]!.at_ms + b.calls[i]!.duration_ms);
    }
    b.clock = end;
  }
  return b.build('best-of-n', 'healthy', null, `${questions} questions, each sampled ${o.n} times in parallel with the identical request`);
}
