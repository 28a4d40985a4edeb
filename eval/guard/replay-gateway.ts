/**
 * Mode (b): the corpus through a real gateway in this process, in front of the mock provider, on a
 * simulated clock. The mock answers each call as its `[[mock:{...}]]` directive scripts (appended to
 * the call's last user message), and the gateway's run guard decides; a refusal is an error with code
 * `run_terminated`, `run_paused` or `run_concurrency_exceeded`. Calls are sent one at a time
 * in start order, with the clock at the call's start: durations and overlaps are not reproduced, so
 * in-flight counts and "immediately after the previous one ended" read a little differently than in
 * mode (a), and the directive text is part of the prompt the guard sees.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { configSchema } from '../../src/config/schema.js';
import { startGateway, type Gateway } from '../../src/main.js';
import { startMockProvider, type MockProvider } from '../../src/mock/index.js';
import { conversations, EVAL_MODEL, PRICE, requestBody, usageOf, type ChatMessage, type CorpusCall, type CorpusRun } from './corpus.js';
import type { RunOutcome } from './replay.js';

const ADMIN_KEY = 'eval-admin-key';
const EPOCH = Date.UTC(2025, 5, 1);

export interface GatewayReplay {
  replay(run: CorpusRun): Promise<RunOutcome>;
  close(): Promise<void>;
}

/** The mock directive scripting this call's reply. */
function directiveOf(call: CorpusCall, promptBytes: number): Record<string, unknown> {
  const r = call.reply;
  const usage = usageOf(call, promptBytes);
  const d: Record<string, unknown> = { prompt_tokens: usage.promptTokens, completion_tokens: usage.outputTokens };
  if (r.text !== undefined) d['reply_text'] = r.text;
  if (r.tool_call) d['tool_call'] = r.tool_call;
  if (r.status !== undefined) d['status'] = r.status;
  if (r.error_after_tokens !== undefined) {
    d['error_after_tokens'] = r.error_after_tokens;
    d['completion_tokens'] = Math.max(usage.outputTokens, r.error_after_tokens + 1);
  }
  return d;
}

/** The messages with the directive appended to the last user message (where the mock reads it). */
function withDirective(messages: ChatMessage[], directive: Record<string, unknown>): ChatMessage[] {
  const out = messages.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i]!;
    if (m['role'] === 'user') {
      out[i] = { ...m, content: `${typeof m['content'] === 'string' ? m['content'] : ''} [[mock:${JSON.stringify(directive)}]]` };
      return out;
    }
  }
  return [...out, { role: 'user', content: `[[mock:${JSON.stringify(directive)}]]` }];
}

export async function startGatewayReplay(): Promise<GatewayReplay> {
  const mock: MockProvider = await startMockProvider();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-eval-'));
  let now = EPOCH;
  const config = configSchema.parse({
    server: { host: '127.0.0.1', port: 0, max_body_bytes: 16 * 1024 * 1024 },
    admin_key: ADMIN_KEY,
    store: { kind: 'sqlite', path: join(dir, 'ledger.db') },
    ledger: { flush_ms: 50 },
    log: { level: 'silent' },
    providers: { openai: { kind: 'openai', base_url: `${mock.url}/v1`, api_key: 'sk-eval' } },
    models: { [EVAL_MODEL]: { provider: 'openai', price: { input_per_mtok: PRICE.input_per_mtok, output_per_mtok: PRICE.output_per_mtok } } },
    guard: {},
  });
  const gw: Gateway = await startGateway(config, { log: pino({ level: 'silent' }), now: () => now });
  const created = await fetch(`${gw.url}/admin/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ team: 'eval', unlimited: true }),
  });
  if (created.status !== 201) throw new Error(`creating the eval key failed: ${created.status} ${await created.text()}`);
  const key = ((await created.json()) as { key: string }).key;

  async function replay(run: CorpusRun): Promise<RunOutcome> {
    const messages = conversations(run);
    const out: RunOutcome = { stoppedAt: null, refusal: null, firstWarningAt: null, warnings: 0, sent: run.calls.map(() => false), reason: null, maxStateBytes: null };
    const gatewayIds = new Map<number, string>();
    const order = run.calls.map((_, i) => i).sort((a, b) => run.calls[a]!.at_ms - run.calls[b]!.at_ms || a - b);
    for (const i of order) {
      const call = run.calls[i]!;
      const plain = requestBody(call, messages[i]!, EVAL_MODEL);
      const body = { ...plain, messages: withDirective(messages[i]!, directiveOf(call, JSON.stringify(plain).length)) };
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-tollgate-run': run.id };
      if (call.agent !== null) headers['x-tollgate-agent'] = call.agent;
      const parent = call.parent === null ? undefined : gatewayIds.get(call.parent);
      if (parent !== undefined) headers['x-tollgate-parent'] = parent;
      now = EPOCH + call.at_ms;
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await res.text();
      const id = res.headers.get('x-tollgate-call-id');
      if (id !== null) gatewayIds.set(i, id);
      const code = refusalCode(res.status, text);
      if (code !== null) {
        out.stoppedAt = i;
        out.refusal = code;
        out.reason = reasonOf(text);
        break;
      }
      out.sent[i] = true;
      const guard = res.headers.get('x-tollgate-guard');
      if (guard !== null && guard.startsWith('warn')) {
        out.warnings++;
        if (out.firstWarningAt === null) out.firstWarningAt = i;
      }
    }
    return out;
  }

  return {
    replay,
    async close() {
      await gw.close(1000);
      await mock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function errorOf(text: string): Record<string, unknown> | null {
  try {
    const body: unknown = JSON.parse(text);
    const error = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['error'] : undefined;
    return typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The guard's refusal code (`run_terminated`, `run_paused`, `run_concurrency_exceeded`), whatever the status. */
function refusalCode(status: number, text: string): string | null {
  if (status < 400) return null;
  const code = errorOf(text)?.['code'];
  return code === 'run_terminated' || code === 'run_paused' || code === 'run_concurrency_exceeded' ? code : null;
}

function reasonOf(text: string): string | null {
  const message = errorOf(text)?.['message'];
  return typeof message === 'string' ? message : null;
}
