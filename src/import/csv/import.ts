/**
 * `tollgate import csv FILE`: call rows from CSV (Tollgate's own export, or any file with the
 * documented columns) into the ledger, streamed. A row without an `id` gets one derived from its
 * content, so importing the same file twice adds nothing. Cost: `cost_nanos`, else `cost_usd`, else
 * priced with the price book by provider and model.
 */
import { createReadStream } from 'node:fs';
import { isLedgerTime, parseTime } from '../../analytics/spend-report.js';
import { usdToNanos } from '../../pricing/money.js';
import { MAX_CALL_COST_NANOS, MAX_CALL_TOKENS } from '../../pricing/usage.js';
import type { CallRow } from '../../storage/types.js';
import { importedId } from '../call-id.js';
import type { LedgerWriter } from '../ledger-writer.js';
import type { ImportPricer } from '../pricer.js';
import { countSkip, countWritten, emptySummary, type ImportSummary } from '../summary.js';
import { csvRecords, csvTextValue } from './csv-format.js';

export interface CsvImportOptions {
  path: string;
  writer: LedgerWriter;
  pricer: ImportPricer;
  /** For rows without these columns. */
  defaults: { team: string; keyId: string };
}

class BadRow extends Error {}

const ENDPOINTS = new Set(['chat', 'messages', 'embeddings', 'responses']);
const STATUSES = new Set(['ok', 'error', 'aborted']);

export async function importCsv(opts: CsvImportOptions): Promise<ImportSummary> {
  const summary = emptySummary('csv');
  summary.files = 1;
  const stream = createReadStream(opts.path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  stream.on('data', (c) => (summary.bytes += Buffer.byteLength(c)));
  let header: string[] | null = null;
  for await (const rec of csvRecords(stream as AsyncIterable<string>)) {
    summary.lines++;
    if (header === null) {
      header = rec.map((h) => h.trim().toLowerCase());
      if (!header.includes('started_at') || !(header.includes('model') || header.includes('served_model'))) {
        throw new Error(`${opts.path}: the header needs started_at and model (or served_model); got: ${header.join(', ')}`);
      }
      continue;
    }
    summary.records++;
    const cols = header;
    const has = (name: string): boolean => cols.includes(name);
    const get = (name: string): string | null => {
      const i = cols.indexOf(name);
      const v = i === -1 ? undefined : rec[i];
      // A cell the export neutralised against spreadsheet formulas reads back as it was stored.
      return v === undefined || v === '' ? null : csvTextValue(v);
    };
    try {
      const { row, unpriced } = toRow(get, has, opts);
      // No id in the file: one from the record as the file has it, so the same file row always gets the same
      // id, whatever the config prices or serves its model as and whatever --team/--key say.
      if (row.id === '') row.id = contentId(cols, rec);
      // Two identical records (id-less ones included) are one row: the first is written, the rest counted as repeated.
      if (await opts.writer.add(row)) countWritten(summary, row.costNanos, unpriced);
    } catch (err) {
      if (!(err instanceof BadRow)) throw err;
      countSkip(summary, err.message);
    }
  }
  return summary;
}

/** Epoch ms or ISO 8601 (UTC unless it carries an offset, whatever the machine's timezone). */
function time(v: string | null, what: string): number | null {
  if (v === null) return null;
  let t: number | undefined;
  try {
    t = /^\d+$/.test(v) ? Number(v) : /^\d{4}-/.test(v) ? parseTime(v, 0) : undefined;
  } catch {
    t = undefined;
  }
  if (t === undefined || !isLedgerTime(t)) throw new BadRow(`bad_${what}`);
  return t;
}

/** A whole number from 0 to `max` (absent: 0); anything else (negative, fractional, 1e30) skips the row. */
function int(v: string | null, what: string, max = MAX_CALL_TOKENS): number {
  if (v === null) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new BadRow(`bad_${what}`);
  return n;
}

/** A saving in nano-dollars, of either sign, at most one call's cost either way. */
function signedNanos(v: string | null): number {
  if (v === null) return 0;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_CALL_COST_NANOS) throw new BadRow('bad_saved_nanos');
  return n;
}

const bool = (v: string | null): boolean => v !== null && /^(true|1|yes)$/i.test(v);

/** The row; `unpriced`: its model when it had no cost and no price is known (the row costs $0), else null. */
function toRow(get: (name: string) => string | null, has: (name: string) => boolean, opts: CsvImportOptions): { row: CallRow; unpriced: string | null } {
  const startedAt = time(get('started_at'), 'started_at');
  if (startedAt === null) throw new BadRow('no_started_at');
  // Tollgate's export has both model columns (a failed call may have no served model); other files `model`.
  const servedModel = has('served_model') ? get('served_model') : get('model');
  const requestedModel = has('requested_model') ? get('requested_model') : servedModel;
  const model = servedModel ?? requestedModel;
  const endpoint = get('endpoint') ?? 'chat';
  if (!ENDPOINTS.has(endpoint)) throw new BadRow('bad_endpoint');
  const status = get('status') ?? 'ok';
  if (!STATUSES.has(status)) throw new BadRow('bad_status');
  // Tollgate's export holds calls refused before a model was read (a body that is not JSON): they cost nothing.
  if (model === null && !(has('requested_model') && status !== 'ok')) throw new BadRow('no_model');
  // A file without a provider column (usage exported elsewhere often has none): the model's provider in
  // the config. An empty cell in the column stays empty (Tollgate's own export: a call no provider served).
  const provider = has('provider') ? get('provider') : model === null ? null : opts.pricer.providerOf(model);
  const usage = {
    input: int(get('input_tokens'), 'input_tokens'),
    cachedInput: int(get('cached_input_tokens'), 'cached_input_tokens'),
    cacheWrite5m: int(get('cache_write_5m_tokens'), 'cache_write_5m_tokens'),
    cacheWrite1h: int(get('cache_write_1h_tokens'), 'cache_write_1h_tokens'),
    output: int(get('output_tokens'), 'output_tokens'),
    reasoning: int(get('reasoning_tokens'), 'reasoning_tokens'),
    webSearches: int(get('web_searches'), 'web_searches'),
  };
  const estimated = bool(get('estimated'));
  let cost: number | null = get('cost_nanos') !== null ? int(get('cost_nanos'), 'cost_nanos', MAX_CALL_COST_NANOS) : null;
  if (cost === null && get('cost_usd') !== null) {
    const usd = Number(get('cost_usd'));
    if (!Number.isFinite(usd) || usd < 0 || usdToNanos(usd) > MAX_CALL_COST_NANOS) throw new BadRow('bad_cost_usd');
    cost = usdToNanos(usd);
  }
  let unpriced: string | null = null;
  if (cost === null) {
    // No provider named or configured: the bundled catalogue still knows the model by its name.
    // An answered (or estimated) call bills a per-request fee where the model has one.
    cost = model === null ? 0 : opts.pricer.cost(provider ?? '', model, status === 'ok' || estimated ? { ...usage, requests: 1 } : usage, get('service_tier'));
    if (cost === null) {
      unpriced = model;
      cost = 0;
    }
  }
  const row: CallRow = {
    id: get('id') ?? '',
    startedAt,
    firstByteAt: time(get('first_byte_at'), 'first_byte_at'),
    endedAt: time(get('ended_at'), 'ended_at') ?? startedAt,
    keyId: get('key_id') ?? opts.defaults.keyId,
    team: get('team') ?? opts.defaults.team,
    user: get('user'),
    project: get('project'),
    run: get('run'),
    agent: get('agent'),
    parent: get('parent'),
    tags: get('tags'),
    endpoint: endpoint as CallRow['endpoint'],
    stream: bool(get('stream')),
    provider,
    requestedModel,
    servedModel,
    inputTokens: usage.input,
    cachedInputTokens: usage.cachedInput,
    cacheWrite5mTokens: usage.cacheWrite5m,
    cacheWrite1hTokens: usage.cacheWrite1h,
    outputTokens: usage.output,
    reasoningTokens: usage.reasoning,
    costNanos: cost,
    estimated,
    status: status as CallRow['status'],
    httpStatus: get('http_status') === null ? 200 : int(get('http_status'), 'http_status', 999),
    errorCode: get('error_code'),
    upstreamRequestId: get('upstream_request_id'),
    attemptOf: get('attempt_of'),
    route: get('route'),
    cacheHit: bool(get('cache_hit')),
    // Negative when routing served a dearer model than the one asked for.
    savedNanos: signedNanos(get('saved_nanos')),
    requestHash: get('request_hash'),
    webSearches: usage.webSearches,
    serviceTier: get('service_tier'),
  };
  return { row, unpriced };
}

/**
 * The id of a record without one: a hash of its cells as read, each under its column's header name (trimmed,
 * lower-cased), in header-name order, so reordering the columns keeps it. Empty cells are left out (an empty
 * cell reads as an absent column); every other cell goes in, so extra columns the import ignores still tell
 * two records apart. Nothing derived (cost, provider, team or key defaults) goes in.
 */
export function contentId(header: readonly string[], rec: readonly string[]): string {
  const cells: [string, string][] = [];
  for (let i = 0; i < Math.max(header.length, rec.length); i++) {
    const v = rec[i];
    if (v === undefined || v === '') continue;
    cells.push([header[i] ?? `#${i}`, v]);
  }
  // Stable: a header name given twice keeps its cells in file order.
  cells.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return importedId('csv', 'record', ...cells.flat());
}
