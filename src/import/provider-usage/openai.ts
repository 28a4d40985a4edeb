/**
 * OpenAI organisation reports into provider_usage rows. Usage API for completions
 * (`/v1/organization/usage/completions`): `input_tokens` INCLUDES `input_cached_tokens`, so uncached
 * input is the difference. Costs API (`/v1/organization/costs`): `amount.value` in dollars (a JSON
 * number), per `line_item` (e.g. "gpt-4o-mini-2024-07-18, input") and `project_id`.
 */
import { usdToNanos } from '../../pricing/money.js';
import type { ProviderUsageRow } from '../../storage/types.js';
import { importedId } from '../call-id.js';
import { bucketTime, exactNanos, obj, pageBuckets, str, tokens, type Obj } from './report-shape.js';

export type ParsedResult = { row: ProviderUsageRow } | { skip: string };

/** The model a costs line item names ("gpt-4o-2024-08-06, input" -> "gpt-4o-2024-08-06"). */
export function lineItemModel(lineItem: string | null): string | null {
  if (lineItem === null) return null;
  const i = lineItem.lastIndexOf(', ');
  return i > 0 ? lineItem.slice(0, i) : null;
}

export function* openaiRows(page: unknown, importedAt: number): Generator<ParsedResult> {
  for (const bucket of pageBuckets(page)) {
    const start = bucketTime(bucket['start_time'], 'start_time');
    const end = bucketTime(bucket['end_time'], 'end_time');
    for (const raw of bucket['results'] as unknown[]) {
      const r = obj(raw);
      if (!r) throw new Error('OpenAI result is not an object');
      yield r['object'] === 'organization.costs.result' || r['amount'] !== undefined ? costRow(r, start, end, importedAt) : usageRow(r, start, end, importedAt);
    }
  }
}

function usageRow(r: Obj, start: number, end: number, importedAt: number): ParsedResult {
  const input = tokens(r['input_tokens'], 'input_tokens');
  const cached = tokens(r['input_cached_tokens'], 'input_cached_tokens');
  if (cached > input) throw new Error(`input_cached_tokens (${cached}) exceed input_tokens (${input})`);
  const model = str(r['model']);
  const apiKeyId = str(r['api_key_id']);
  const workspace = str(r['project_id']);
  const userId = str(r['user_id']);
  const detail = [r['batch'] === true ? 'batch' : r['batch'] === false ? 'not batch' : null, str(r['service_tier'])].filter((x) => x !== null).join(',') || null;
  return {
    row: {
      id: importedId('pu', 'openai', 'usage', start, end, model, apiKeyId, workspace, userId, detail),
      provider: 'openai', kind: 'usage', bucketStart: start, bucketEnd: end, model, apiKeyId, workspace, userId, detail,
      requests: tokens(r['num_model_requests'], 'num_model_requests'),
      inputTokens: input - cached, cachedInputTokens: cached, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0,
      outputTokens: tokens(r['output_tokens'], 'output_tokens'), costNanos: 0, importedAt,
    },
  };
}

function costRow(r: Obj, start: number, end: number, importedAt: number): ParsedResult {
  const amount = obj(r['amount']);
  const value = amount?.['value'];
  const currency = str(amount?.['currency'])?.toLowerCase();
  if (typeof value !== 'number' && typeof value !== 'string') throw new Error('OpenAI cost result without amount.value');
  if (currency !== undefined && currency !== 'usd') return { skip: `currency_${currency}` };
  const detail = str(r['line_item']);
  const workspace = str(r['project_id']);
  return {
    row: {
      id: importedId('pu', 'openai', 'cost', start, end, detail, workspace),
      provider: 'openai', kind: 'cost', bucketStart: start, bucketEnd: end, model: lineItemModel(detail), apiKeyId: null, workspace, userId: null, detail,
      requests: 0, inputTokens: 0, cachedInputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0,
      // Dollars as a decimal number: rounded to whole nanos once.
      costNanos: exactNanos(usdToNanos(Number(value)), value), importedAt,
    },
  };
}
