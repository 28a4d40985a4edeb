/**
 * A real agent framework behind Tollgate: a LangGraph graph of two ChatOpenAI agents that hand off to each
 * other. An endless confirmation loop is ended by the run guard (the graph rejects with run_terminated),
 * while a healthy review that makes progress runs to its end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ChatOpenAI } from '@langchain/openai';
import type { CallRow } from '../../src/storage/types.js';
import { ADMIN_KEY, directive, startStack, type Stack } from './harness.js';

type Agent = 'writer' | 'reviewer';
/** What the agent is asked on this turn, and what the mock model answers. */
interface Step {
  ask: string;
  reply: string;
}
/** The script of a run: the step for an agent given its turn (0, 1, 2, ...). */
type Script = (agent: Agent, turn: number) => Step;

const ROLES: Record<Agent, string> = {
  writer: 'You are the writer. Draft and revise the release summary as the reviewer asks.',
  reviewer: 'You are the reviewer. Check the writer\'s summary; answer APPROVED when it is ready.',
};

const text = (m: BaseMessage | undefined): string => (typeof m?.content === 'string' ? m.content : '');

let s: Stack;
let key: string;

beforeAll(async () => {
  s = await startStack({ config: (base) => ({ ...base, guard: { enabled: true } }) });
  key = await s.createKey({ team: 'agents', unlimited: true });
});
afterAll(() => s.close());

/** One ChatOpenAI per agent, each naming its agent to Tollgate, all in one run. */
function models(runId: string): Record<Agent, ChatOpenAI> {
  const model = (agent: Agent): ChatOpenAI =>
    new ChatOpenAI({
      model: 'test-gpt',
      apiKey: key,
      // LangChain's default retries (6) stay on: Tollgate's 403 is on LangChain's no-retry list, so a
      // terminated run's call is sent once.
      configuration: { baseURL: `${s.gw.url}/v1`, defaultHeaders: { 'x-tollgate-run': runId, 'x-tollgate-agent': agent } },
    });
  return { writer: model('writer'), reviewer: model('reviewer') };
}

/**
 * writer -> reviewer -> (writer again | end when the reviewer approves). Each agent sees the shared
 * conversation plus its own instruction for this turn, which carries the mock's scripted reply.
 */
function buildGraph(runId: string, script: Script) {
  const llm = models(runId);
  const node = (agent: Agent) => async (state: typeof MessagesAnnotation.State) => {
    const turn = state.messages.filter((m) => m.name === agent).length;
    const step = script(agent, turn);
    const prompt = [new SystemMessage(ROLES[agent]), ...state.messages, new HumanMessage(directive({ reply_text: step.reply }, step.ask))];
    const answer = await llm[agent].invoke(prompt);
    return { messages: [new AIMessage({ content: text(answer), name: agent })] };
  };
  return new StateGraph(MessagesAnnotation)
    .addNode('writer', node('writer'))
    .addNode('reviewer', node('reviewer'))
    .addEdge(START, 'writer')
    .addEdge('writer', 'reviewer')
    .addConditionalEdges('reviewer', (state) => (text(state.messages.at(-1)).includes('APPROVED') ? END : 'writer'), ['writer', END])
    .compile();
}

/** The run's ledger rows (newest first) once `done` holds: a call's row is written just after its response. */
async function runRows(runId: string, done: (rows: CallRow[]) => boolean): Promise<CallRow[]> {
  const until = Date.now() + 5000;
  for (;;) {
    const rows = (await s.calls()).filter((r) => r.run === runId);
    if (done(rows) || Date.now() > until) return rows;
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface RunView {
  status: string;
  calls: number;
  refused: number;
  evidence: { detector: string }[];
}

async function runView(runId: string): Promise<RunView> {
  const res = await fetch(`${s.gw.url}/admin/v1/runs/${encodeURIComponent(runId)}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as RunView;
}

const task = [new HumanMessage('Write the summary for the 2.4 release and get it reviewed.')];

describe('LangGraph agents through Tollgate', () => {
  it('an endless confirmation loop between two agents is terminated by the run guard', async () => {
    const runId = `lg-loop-${randomBytes(3).toString('hex')}`;
    const loop: Script = (agent) =>
      agent === 'writer'
        ? { ask: 'The reviewer wants you to confirm the summary is final.', reply: 'I confirm the summary is final.' }
        : { ask: 'The writer confirmed. Review the confirmation.', reply: 'Confirmed. Please confirm again that the summary is final.' };
    const graph = buildGraph(runId, loop);

    const err: unknown = await graph.invoke({ messages: task }, { recursionLimit: 200 }).then(
      () => new Error('the looping graph completed'),
      (e: unknown) => e,
    );

    // The framework surfaces the gateway's refusal as the graph's error.
    expect(err).toMatchObject({ status: 403, code: 'run_terminated' });
    expect(String(err)).toMatch(/^Error: 403 .*terminated by Tollgate's run guard/);

    // The guard counts calls before answering; the ledger catches up just after each response.
    const view = await runView(runId);
    expect(view).toMatchObject({ status: 'terminated', refused: 1 });
    const rows = await runRows(runId, (all) => all.length >= view.calls + view.refused);
    expect(rows.length).toBeLessThan(15);
    expect(new Set(rows.map((r) => r.agent))).toEqual(new Set(['writer', 'reviewer']));
    // Exactly one call was refused: nothing re-sent it.
    const refused = rows.filter((r) => r.httpStatus !== 200);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ httpStatus: 403, errorCode: 'run_terminated' });
    expect(rows).toHaveLength(view.calls + 1);
    expect(view.evidence.length).toBeGreaterThan(0);
  });

  it('a healthy review that makes progress completes, and its run stays active', async () => {
    const runId = `lg-healthy-${randomBytes(3).toString('hex')}`;
    const drafts = [
      'Draft: 2.4 adds the billing export and fixes the timezone bug in reports.',
      'Revised: 2.4 adds CSV and Parquet billing exports; reports now honour each team\'s timezone.',
      'Final: 2.4 ships billing exports (CSV, Parquet), timezone-correct reports, and a faster search index.',
    ];
    const reviews = [
      'Name the export formats and say who benefits from the timezone fix.',
      'Good. Mention the search index speed-up from the changelog as well.',
      'APPROVED: clear, complete and accurate.',
    ];
    const asks = [
      ['Write the first draft of the 2.4 summary.', 'Review the first draft against the changelog.'],
      ['Revise the draft: formats and audience of the fix.', 'Check the revision for missing changelog items.'],
      ['Add the search index change to the summary.', 'Give the final verdict on the summary.'],
    ];
    const healthy: Script = (agent, turn) =>
      agent === 'writer' ? { ask: asks[turn]![0]!, reply: drafts[turn]! } : { ask: asks[turn]![1]!, reply: reviews[turn]! };

    const final = await buildGraph(runId, healthy).invoke({ messages: task }, { recursionLimit: 200 });

    expect(final.messages.map((m) => m.name ?? 'user')).toEqual(['user', 'writer', 'reviewer', 'writer', 'reviewer', 'writer', 'reviewer']);
    expect(text(final.messages.at(-2))).toBe(drafts[2]);
    expect(text(final.messages.at(-1))).toMatch(/^APPROVED/);
    const rows = await runRows(runId, (all) => all.length >= 6);
    expect(rows.map((r) => r.httpStatus)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await runView(runId)).status).toBe('active');
  });
});
