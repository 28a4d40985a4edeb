/**
 * Stage — guard the run: every call belongs to a run (x-tollgate-run, else the trace id, else the
 * Anthropic session, else a fingerprint of the conversation's start). Before the provider is called
 * the run's state is checked and updated (caps, paused/terminated, request-side loop detectors);
 * after it answered, the output-side detectors run. The decisions are guard/'s pure functions; this
 * stage only loads and saves state (in memory, or in Redis shared by all instances) and acts.
 * A run's state is keyed by the calling key's team AND the run id: the same id sent by two teams is
 * two runs (neither can trip, pause or refuse the other's); the ledger keeps the id as sent (one over
 * 200 characters bounded by guard/run-id.ts, as attribution bounds it: one id for the guard, the ledger
 * and run:* budgets).
 */
import { GatewayError, type ErrorCode } from '../errors.js';
import {
  callStartFromBody,
  digestRequest,
  guardAfterInPlace,
  guardBeforeInPlace,
  newRunState,
  outputFeatures,
  runIdentity,
  stoppedByOperator,
  type CallEnd,
  type CallStart,
  type GuardConfig,
  type GuardDecision,
  type RunState,
} from '../guard/index.js';
import { updateRunInPlace, type RunLocks, type RunRef, type RunStore } from '../storage/run-types.js';
import type { CallContext } from './context.js';
import type { GatewayDeps } from './deps.js';
import { totalTokens } from './reserve.js';

/** What is stored per run: the guard's state plus the admin's allow-list flag (the team is in the store's key). */
export interface StoredRunState {
  s: RunState;
  allow: boolean;
}

const REFUSAL: Record<string, ErrorCode> = {
  run_paused: 'run_paused',
  run_terminated: 'run_terminated',
  run_concurrency_exceeded: 'run_concurrency_exceeded',
};

function configFor(cfg: GuardConfig, stored: StoredRunState): GuardConfig {
  return stored.allow ? { ...cfg, allow_runs: [...cfg.allow_runs, stored.s.runId] } : cfg;
}

/**
 * guardBefore on the stored run, in place (the state is the store's own object in memory, a fresh
 * copy from Redis). With an in-process store the update is synchronous and atomic, so it needs no
 * queue; a shared store's load / compare-and-set / save goes through the run's queue.
 */
export function guardStart(store: RunStore, locks: RunLocks, run: RunRef, start: CallStart, cfg: GuardConfig, now: number, ttlMs: number): Promise<GuardDecision> {
  const update = (): Promise<{ result: GuardDecision }> =>
    updateRunInPlace<StoredRunState, GuardDecision>(
      store,
      run,
      () => ({ s: newRunState(run.runId, now), allow: false }),
      (stored) => ({ lastAt: now, result: guardBeforeInPlace(stored.s, start, configFor(cfg, stored), now) }),
      ttlMs,
    );
  return (store.mutate !== undefined ? update() : locks.run(run, update)).then((u) => u.result);
}

/** guardAfter on the stored run, in place (see guardStart). */
export function guardEnd(store: RunStore, locks: RunLocks, run: RunRef, end: CallEnd, cfg: GuardConfig, now: number, ttlMs: number): Promise<GuardDecision> {
  const update = (): Promise<{ result: GuardDecision }> =>
    updateRunInPlace<StoredRunState, GuardDecision>(
      store,
      run,
      () => ({ s: newRunState(run.runId, now), allow: false }),
      (stored) => ({ lastAt: now, result: guardAfterInPlace(stored.s, end, configFor(cfg, stored)) }),
      ttlMs,
    );
  return (store.mutate !== undefined ? update() : locks.run(run, update)).then((u) => u.result);
}

/** A run id as a shell word for the command a refusal suggests. */
const shellWord = (s: string): string => (/^[\w.:@%+=,/-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

function refusal(d: GuardDecision, run: RunRef): GatewayError {
  const runId = run.runId;
  const code = REFUSAL[d.refuse ?? 'run_terminated'] ?? 'run_terminated';
  const evidence = d.evidence.map((e) => ({ detector: e.detector, score: Number(e.score.toFixed(3)), summary: e.summary, calls: e.calls }));
  const what = code === 'run_paused' ? 'is paused' : code === 'run_concurrency_exceeded' ? 'has too many calls in flight' : 'was terminated';
  // Say how to go on, with the command that does it: a person testing by hand is not a loop, and a new
  // task is not this run. `allow` lifts the guard's own stops only; an operator's kill or pause needs `resume`.
  const cmd = (action: string): string => `tollgate runs ${action} --team ${shellWord(run.team)} ${runId.startsWith('-') ? '-- ' : ''}${shellWord(runId)}`;
  const byOperator = stoppedByOperator(d.reason);
  const resume = `${cmd('resume')} (the guard keeps watching it)`;
  const allow = `${cmd('allow')} (exempts it from the guard's detectors and caps)`;
  const next =
    code === 'run_concurrency_exceeded'
      ? ''
      : byOperator
        ? ` An operator can let it go on: ${resume}.`
        : code === 'run_paused'
          ? ` An operator can let it go on: ${resume} or ${allow}.`
          : ` An operator can let it go on: ${allow} or ${resume}; a new task should send its own x-tollgate-run id.`;
  return new GatewayError(code, `Run ${runId} ${what} by ${byOperator ? 'an operator' : "Tollgate's run guard"}: ${(d.reason ?? 'no reason given').replace(/\.$/, '')}.${next}`, {
    details: { run: runId, reason: d.reason, evidence },
  });
}

export async function guardRunBefore(deps: GatewayDeps, ctx: CallContext): Promise<void> {
  const g = deps.guard;
  if (!g.config.enabled) return;
  const a = ctx.attribution!;
  const { runId } = runIdentity({ headers: ctx.req.headers, body: ctx.body, keyId: a.keyId });
  a.run = runId;
  const now = deps.now();
  const scopes = [`key:${a.keyId}`, `team:${a.team}`];
  if (a.project) scopes.push(`project:${a.project}`);
  if (a.user) scopes.push(`user:${a.user}`);
  const start = callStartFromBody({ callId: ctx.id, at: now, agent: a.agent, parent: a.parent, body: ctx.body, promptBytes: ctx.rawBody.length, scopes });
  // Digested once here, kept for the ledger (replay runs the guard on it without the prompt).
  start.digest = ctx.seen.request = digestRequest(start.messages);
  let result: GuardDecision;
  try {
    result = await guardStart(g.store, g.locks, { team: a.team, runId }, start, g.config, now, g.ttlMs);
  } catch (err) {
    // The shared run store is unreachable: the same policy as budgets.
    if (deps.config.limits.kind === 'redis' && deps.config.limits.fail === 'open') {
      deps.log.warn({ err, run: runId }, 'run guard state unreachable: letting the call through');
      return;
    }
    throw new GatewayError('limits_unavailable', 'The run guard cannot read the run state right now; refusing the call.', { cause: err });
  }
  ctx.guarded = true;
  if (result.refuse) {
    ctx.guarded = false;
    deps.telemetry.onGuard(result, true);
    // The call that stopped the run says so (a log line and an alert); the refusals after it do not.
    if (result.stopped) logAndAlert(deps, a.team, runId, result);
    throw refusal(result, { team: a.team, runId });
  }
  if (result.action !== 'allow') noteDecision(deps, ctx, runId, result);
}

/**
 * The run id is the client's (a header, Anthropic's metadata.user_id): as it is when it is printable
 * ASCII, else percent-encoded (a header takes no line break, and Node refuses anything past Latin-1).
 */
const headerText = (s: string): string => (/^[\x20-\x7e]*$/.test(s) ? s : encodeURIComponent(s));

/** A warning (or an escalation decided after a call) is a response header, a log line and an alert. */
function noteDecision(deps: GatewayDeps, ctx: CallContext, runId: string, d: GuardDecision): void {
  deps.telemetry.onGuard(d, false);
  const top = d.evidence[d.evidence.length - 1];
  if (!ctx.res.headersSent) {
    ctx.res.setHeader('x-tollgate-guard', `${d.action}; run=${headerText(runId)}${top ? `; detector=${top.detector}` : ''}`);
  }
  logAndAlert(deps, ctx.attribution!.team, runId, d);
}

function logAndAlert(deps: GatewayDeps, team: string, runId: string, d: GuardDecision): void {
  deps.log.warn({ run: runId, team, action: d.action, reason: d.reason, evidence: d.evidence }, 'run guard');
  deps.alerts.sendGuard({ run: runId, team, action: d.action, reason: d.reason, evidence: d.evidence.map((e) => ({ detector: e.detector, score: e.score, summary: e.summary })) });
}

export async function guardRunAfter(deps: GatewayDeps, ctx: CallContext): Promise<void> {
  const g = deps.guard;
  if (!ctx.guarded || !ctx.attribution?.run) return;
  const runId = ctx.attribution.run;
  const now = deps.now();
  const u = ctx.usage;
  const outputText = ctx.output.text.slice(0, 8192);
  const end: CallEnd = {
    callId: ctx.id,
    at: now,
    costNanos: ctx.costNanos,
    promptTokens: u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h,
    outputTokens: totalTokens(ctx) - (u.input + u.cachedInput + u.cacheWrite5m + u.cacheWrite1h),
    outputText,
    toolCalls: ctx.output.toolCalls,
    ok: ctx.status === 'ok',
    // The provider's own status only: retries after real upstream errors are healthy, cut streams are not.
    errorStatus: ctx.upstreamStatus,
    ...(ctx.status === 'ok' ? { digest: (ctx.seen.output = outputFeatures(outputText, ctx.output.toolCalls, g.config.detectors.echo_chatter.ack_max_words)) } : {}),
  };
  const result = await guardEnd(g.store, g.locks, { team: ctx.attribution.team, runId }, end, g.config, now, g.ttlMs);
  if (result.action !== 'allow') noteDecision(deps, ctx, runId, result);
}
