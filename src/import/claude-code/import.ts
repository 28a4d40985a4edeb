/**
 * `tollgate import claude-code`: Claude Code transcripts into the ledger, one row per API call.
 * Session -> run, subagent (sidechain) -> agent of the same run, the fullest line of each streamed
 * message, priced with Tollgate's price book. Files are streamed line by line; the only state kept
 * across lines is the bounded window of open messages (message-window.ts).
 */
import { basename, dirname, relative, sep } from 'node:path';
import type { CallRow } from '../../storage/types.js';
import { importedId } from '../call-id.js';
import type { LedgerWriter } from '../ledger-writer.js';
import { emptyLineStats, matchingLines } from '../line-reader.js';
import type { ImportPricer } from '../pricer.js';
import { countSkip, countWritten, emptySummary, type ImportSummary } from '../summary.js';
import { transcriptFiles } from './discover.js';
import { MessageWindow, messageKey, type MessageCall } from './message-window.js';
import { parseTranscriptLine } from './transcript-line.js';

export interface ClaudeCodeAttribution {
  team: string;
  user: string | null;
  /** A fixed project; null: derived per call (see projectFromCwd). */
  project: string | null;
  projectFromCwd: boolean;
  teamsByProject: Record<string, string>;
}

export interface ClaudeCodeImportOptions {
  dirs: string[];
  attribution: ClaudeCodeAttribution;
  pricer: ImportPricer;
  writer: LedgerWriter;
  /** Messages kept open per file while their lines stream in (memory bound). */
  openMessages?: number;
}

const USAGE = Buffer.from('"usage"');
export const CLAUDE_CODE_KEY = 'import:claude-code';

export async function importClaudeCode(opts: ClaudeCodeImportOptions): Promise<ImportSummary> {
  const summary = emptySummary('claude-code');
  for (const dir of opts.dirs) {
    const root = dir;
    for (const file of await transcriptFiles(dir)) {
      summary.files++;
      // The encoded working directory: projects/<encoded-cwd>/<session>.jsonl (or deeper, for subagents).
      const projectDir = relative(root, file).split(sep).find((p) => p !== 'projects' && p !== '') ?? basename(dirname(file));
      await importFile(file, projectDir, opts, summary);
    }
  }
  await opts.writer.flush();
  return summary;
}

async function importFile(file: string, projectDir: string, opts: ClaudeCodeImportOptions, summary: ImportSummary): Promise<void> {
  const stats = emptyLineStats();
  const window = new MessageWindow(opts.openMessages);
  const emit = async (m: MessageCall): Promise<void> => {
    const { row, priced } = toCallRow(m, projectDir, opts);
    // The same message in another file (a resumed session) is written, and counted, once.
    if (await opts.writer.add(row)) countWritten(summary, row.costNanos, priced ? null : m.best.model);
  };
  for await (const text of matchingLines(file, USAGE, stats)) {
    const parsed = parseTranscriptLine(text);
    if (!parsed.ok) {
      // A line that merely mentions "usage" (a prompt, a tool result) is not a skipped call.
      if (parsed.skip !== 'no_usage') countSkip(summary, parsed.skip);
      continue;
    }
    summary.records++;
    const key = messageKey(parsed.line);
    if (key === null) {
      countSkip(summary, 'no_message_id');
      continue;
    }
    const evicted = window.add(key, parsed.line);
    if (evicted) await emit(evicted);
  }
  for (const m of window.drain()) await emit(m);
  countSkip(summary, 'partial_stream_line', window.merged);
  countSkip(summary, 'line_too_long', stats.tooLong);
  summary.bytes += stats.bytes;
  summary.lines += stats.lines;
}

/** The message's row; `priced`: false when no price is known for its model (the row costs $0). */
function toCallRow(m: MessageCall, projectDir: string, opts: ClaudeCodeImportOptions): { row: CallRow; priced: boolean } {
  const l = m.best;
  const a = opts.attribution;
  const project = a.project ?? (a.projectFromCwd && l.cwd ? basename(l.cwd) : projectDir);
  const cost = opts.pricer.cost('anthropic', l.model, l.usage, l.serviceTier);
  const row: CallRow = {
    id: importedId('cc', m.key),
    startedAt: m.firstAt,
    firstByteAt: null,
    endedAt: m.lastAt,
    keyId: CLAUDE_CODE_KEY,
    team: a.teamsByProject[project] ?? a.team,
    user: a.user,
    project,
    run: l.sessionId,
    // Subagents (sidechains) share the session's run but are another agent.
    agent: l.isSidechain ? (l.agentId ? `subagent:${l.agentId}` : 'subagent') : 'claude-code',
    parent: null,
    tags: 'imported,claude-code',
    endpoint: 'messages',
    stream: true,
    provider: 'anthropic',
    requestedModel: l.model,
    servedModel: l.model,
    inputTokens: l.usage.input,
    cachedInputTokens: l.usage.cachedInput,
    cacheWrite5mTokens: l.usage.cacheWrite5m,
    cacheWrite1hTokens: l.usage.cacheWrite1h,
    outputTokens: l.usage.output,
    reasoningTokens: 0,
    costNanos: cost ?? 0,
    estimated: false,
    status: 'ok',
    httpStatus: 200,
    errorCode: null,
    upstreamRequestId: l.requestId,
    attemptOf: null,
    route: null,
    cacheHit: false,
    savedNanos: 0,
    // Transcripts carry no request bytes to fingerprint.
    requestHash: null,
    webSearches: l.usage.webSearches ?? 0,
    serviceTier: l.serviceTier,
  };
  return { row, priced: cost !== null };
}
