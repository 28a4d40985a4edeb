/**
 * Mode (a): the corpus straight through guardBefore / guardAfter on a simulated clock. Pure and fast;
 * the same functions the gateway calls.
 */
import { guardAfter, guardBefore, newRunState, type CallEnd, type GuardConfig, type RunState } from '../../src/guard/index.js';
import { callStartFromBody } from '../../src/guard/index.js';
import { conversations, EVAL_MODEL, requestBody, usageOf, type CorpusRun } from './corpus.js';
import { timeline, type RunOutcome } from './replay.js';

/** Run start on the simulated clock (any fixed instant). */
const EPOCH = Date.UTC(2025, 5, 1);

export function callId(run: CorpusRun, index: number): string {
  return `${run.id}/${index}`;
}

export function replayDirect(run: CorpusRun, cfg: GuardConfig): RunOutcome {
  const messages = conversations(run);
  const bodies = run.calls.map((c, i) => requestBody(c, messages[i]!, EVAL_MODEL));
  const bytes = bodies.map((b) => JSON.stringify(b).length);
  let state: RunState = newRunState(run.id, EPOCH);
  const out: RunOutcome = { stoppedAt: null, refusal: null, firstWarningAt: null, warnings: 0, sent: run.calls.map(() => false), reason: null, maxStateBytes: 0 };
  const warn = (index: number): void => {
    out.warnings++;
    if (out.firstWarningAt === null || index < out.firstWarningAt) out.firstWarningAt = index;
  };
  const measure = (): void => {
    out.maxStateBytes = Math.max(out.maxStateBytes ?? 0, JSON.stringify(state).length);
  };

  for (const ev of timeline(run)) {
    const call = run.calls[ev.index]!;
    const at = EPOCH + ev.at;
    if (ev.kind === 'start') {
      if (out.stoppedAt !== null) continue;
      const parent = call.parent === null ? null : callId(run, call.parent);
      const start = callStartFromBody({ callId: callId(run, ev.index), at, agent: call.agent, parent, body: bodies[ev.index], promptBytes: bytes[ev.index]! });
      const r = guardBefore(state, start, cfg, at);
      state = r.state;
      if (r.decision.refuse !== null) {
        out.stoppedAt = ev.index;
        out.refusal = r.decision.refuse;
        out.reason = r.decision.reason;
      } else {
        out.sent[ev.index] = true;
        if (r.decision.action === 'warn') warn(ev.index);
      }
    } else {
      if (!out.sent[ev.index]) continue;
      const usage = usageOf(call, bytes[ev.index]!);
      const r = call.reply;
      const end: CallEnd = {
        callId: callId(run, ev.index),
        at,
        costNanos: usage.costNanos,
        promptTokens: usage.promptTokens,
        outputTokens: usage.outputTokens,
        outputText: r.status === undefined ? (r.text ?? '') : '',
        toolCalls: r.tool_call && r.status === undefined && r.error_after_tokens === undefined ? [r.tool_call] : [],
        ok: r.status === undefined && r.error_after_tokens === undefined,
        errorStatus: r.status ?? null,
      };
      const after = guardAfter(state, end, cfg);
      state = after.state;
      if (after.decision.action === 'warn') warn(ev.index);
      if (after.decision.action === 'terminate' || after.decision.action === 'pause') out.reason = after.decision.reason;
    }
    measure();
  }
  return out;
}
