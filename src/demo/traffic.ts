/**
 * Simulated traffic for the demo, through the gateway's OpenAI endpoint with plain fetch, the way a
 * client would. Four teams, four shapes (the mock's `[[mock:{...}]]` directives set the usage):
 *   platform  a healthy coding agent: distinct steps, runs of ten calls, some repeats the cache answers
 *   data      a map-reduce job: a planner, six mappers in parallel (children of the planner), a reducer
 *   research  two agents confirming each other in a loop, which the run guard stops
 *   growth    a team spending its last dollars until its budget refuses it (402)
 */
import type { DemoModel } from './config.js';

export interface TrafficKeys {
  platform: string;
  data: string;
  research: string;
  growth: string;
}

interface CallResult {
  status: number;
  callId: string | null;
}

/** Six shards with their own sources and findings, so a healthy fan-out never looks like a loop. */
const SHARDS = [
  ['the signup funnel events from the web app', 'Signups rose on mobile; most drop-offs happen at email verification.'],
  ['billing webhooks from the payment processor', 'Three currencies failed to settle; refunds cluster on annual plans.'],
  ['support tickets tagged as outages', 'Latency complaints peak at nine in the morning in Frankfurt.'],
  ['warehouse inventory snapshots', 'Two depots hold stale counts for garden furniture since Tuesday.'],
  ['marketing email click logs', 'Subject lines with a question doubled the click rate for trials.'],
  ['mobile crash reports from the beta channel', 'A null camera handle crashes older Android tablets on resume.'],
] as const;

const TASKS = [
  'Read the failing test output and explain which assertion broke in the parser.',
  'Write a migration that adds an index on the orders table by customer and date.',
  'Refactor the retry helper so backoff is jittered and capped at thirty seconds.',
  'Find why the websocket reconnect loop leaks file descriptors under load.',
  'Add input validation to the signup form: email format, password length, terms box.',
  'Port the CSV importer from callbacks to async iterators and keep memory bounded.',
  'Review the pull request that renames the cache keys and check for collisions.',
  'Profile the image resizer and propose two changes that cut its latency in half.',
  'Explain the flaky integration test around clock skew and suggest a stable fix.',
  'Write docs for the CLI flags of the exporter, with one example for each flag.',
  'Design a schema for audit events with retention by tenant and quick lookups.',
  'Summarise the design doc for the search ranking change in five bullet points.',
];

function mock(d: Record<string, unknown>, text: string): string {
  return `${text} [[mock:${JSON.stringify(d)}]]`;
}

export class Traffic {
  private stopped = false;
  private readonly loops: Promise<void>[] = [];
  private readonly timers = new Set<{ resolve: () => void; timer: NodeJS.Timeout }>();
  /** Calls made and refusals seen, by scenario (printed by the demo, read by tests). */
  readonly counts: Record<string, { ok: number; refused: number }> = {};

  constructor(
    private readonly url: string,
    private readonly keys: TrafficKeys,
    /** Scales every pause; tests use a small value. */
    private readonly pace = 1,
  ) {}

  start(): void {
    this.loops.push(this.coder(), this.mapReduce(), this.confirmationLoop(), this.nearBudget());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    await Promise.allSettled(this.loops);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { resolve, timer: setTimeout(() => { this.timers.delete(entry); resolve(); }, ms * this.pace) };
      this.timers.add(entry);
    });
  }

  private count(name: string, ok: boolean): void {
    const c = (this.counts[name] ??= { ok: 0, refused: 0 });
    if (ok) c.ok++;
    else c.refused++;
  }

  private async call(key: string, model: DemoModel, content: string, headers: Record<string, string>): Promise<CallResult> {
    try {
      const res = await fetch(`${this.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ model, max_tokens: 2000, messages: [{ role: 'user', content }] }),
      });
      await res.arrayBuffer();
      return { status: res.status, callId: res.headers.get('x-tollgate-call-id') };
    } catch {
      return { status: 0, callId: null };
    }
  }

  private async coder(): Promise<void> {
    for (let run = 1, i = 0; !this.stopped; run++) {
      const runId = `coder-${Date.now().toString(36)}-${run}`;
      for (let step = 0; step < 10 && !this.stopped; step++, i++) {
        // Every third step asks something asked before (the cache answers it); the others are new.
        const task = i % 3 === 0 ? TASKS[(i / 3) % TASKS.length]! : `${TASKS[i % TASKS.length]!} (ticket ${1000 + i})`;
        const r = await this.call(this.keys.platform, 'gpt-5', mock({ prompt_tokens: 6000 + (i % TASKS.length) * 500, completion_tokens: 700, reply_text: `Done: ${task.slice(0, 40)}` }, task), {
          'x-tollgate-run': runId,
          'x-tollgate-agent': 'coder',
        });
        this.count('coder', r.status === 200);
        await this.sleep(1200);
      }
    }
  }

  private async mapReduce(): Promise<void> {
    for (let job = 1; !this.stopped; job++) {
      const runId = `mapreduce-${Date.now().toString(36)}-${job}`;
      const h = (agent: string, parent?: string | null): Record<string, string> => ({ 'x-tollgate-run': runId, 'x-tollgate-agent': agent, ...(parent ? { 'x-tollgate-parent': parent } : {}) });
      const plan = await this.call(this.keys.data, 'gpt-5', mock({ prompt_tokens: 3000, completion_tokens: 400, reply_text: `Six shards planned for job ${job}, one per source.` }, `Plan job ${job}: split the nightly export into six shards.`), h('planner'));
      this.count('map-reduce', plan.status === 200);
      const maps = await Promise.all(
        SHARDS.map(([source, finding], s) =>
          this.call(this.keys.data, 'gpt-5', mock({ prompt_tokens: 12000, completion_tokens: 500, reply_text: `${finding} (batch ${job})` }, `Summarise ${source}; shard ${s + 1} of job ${job}.`), h('mapper', plan.callId)),
        ),
      );
      for (const m of maps) this.count('map-reduce', m.status === 200);
      const red = await this.call(this.keys.data, 'gpt-5', mock({ prompt_tokens: 4000, completion_tokens: 600, reply_text: `Report ${job} merged: growth on mobile, billing retries, a crash fix to ship.` }, `Job ${job}: merge the six shard summaries into one report.`), h('reducer', plan.callId));
      this.count('map-reduce', red.status === 200);
      await this.sleep(6000);
    }
  }

  private async confirmationLoop(): Promise<void> {
    for (let n = 1; !this.stopped; n++) {
      const runId = `review-loop-${Date.now().toString(36)}-${n}`;
      for (let i = 0; i < 40 && !this.stopped; i++) {
        const agent = i % 2 === 0 ? 'writer' : 'reviewer';
        const text = agent === 'writer' ? 'Please confirm the summary is final.' : 'Confirmed. The summary is final.';
        const r = await this.call(this.keys.research, 'claude-sonnet-4-5', mock({ prompt_tokens: 2500 + i * 400, completion_tokens: 12 }, text), { 'x-tollgate-run': runId, 'x-tollgate-agent': agent });
        this.count('confirmation-loop', r.status === 200);
        if (r.status !== 200) break;
        await this.sleep(900);
      }
      // The guard stopped it: the team "fixes" it and starts again a little later.
      await this.sleep(25_000);
    }
  }

  private async nearBudget(): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const r = await this.call(this.keys.growth, 'claude-sonnet-4-5', mock({ prompt_tokens: 30000, completion_tokens: 1500 }, `Draft outreach email ${i} for the enterprise segment.`), {
        // Each email is its own job (one call), so drafting many similar emails is not a loop.
        'x-tollgate-run': `outreach-${Date.now().toString(36)}-${i}`,
        'x-tollgate-agent': 'drafter',
      });
      this.count('near-budget', r.status === 200);
      // Refused (budget spent): try again now and then, as a cron job would.
      await this.sleep(r.status === 402 ? 15_000 : 2500);
    }
  }
}
