/** `tollgate spend --by team,day --model gpt-4o --since 30d`: spend analytics from the ledger as a table, or --json. */
import { Command } from 'commander';
import { analyticsQuery, analyticsReport } from '../analytics/analytics-report.js';
import { DIMENSIONS, type Dimension } from '../analytics/query.js';
import { configFrom, table, withConfig, withStore } from './common.js';

interface SpendOptions extends Partial<Record<Dimension, string>> {
  config: string;
  by: string;
  bucket?: string;
  since: string;
  until?: string;
  json?: boolean;
}

export function spendCommand(): Command {
  let cmd = withConfig(new Command('spend'))
    .description('spend, tokens, calls, latency and errors from the ledger, grouped by dimensions and a time bucket')
    .option('--by <list>', `comma-separated: ${DIMENSIONS.join('|')} and at most one of hour|day|week|month`, 'team')
    .option('--bucket <bucket>', 'time bucket: hour|day|week|month (days in the configured timezone)')
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--json', 'print JSON');
  for (const dim of DIMENSIONS) cmd = cmd.option(`--${dim} <value>`, `only calls whose ${dim} is this`);
  return cmd.action(async (o: SpendOptions) => {
    const config = await configFrom(o);
    const filters: Partial<Record<Dimension, string>> = {};
    for (const dim of DIMENSIONS) if (o[dim] !== undefined) filters[dim] = o[dim];
    const q = analyticsQuery(
      { groupBy: o.by, bucket: o.bucket, filters, from: o.since, to: o.until },
      { now: Date.now(), timezone: config.timezone, org: config.org, groupByName: '--by', bucketName: '--bucket' },
    );
    const report = await withStore(config, (store) => analyticsReport(store, q));
    if (o.json) return console.log(JSON.stringify({ ...report.query, data: report.data }));
    if (report.data.length === 0) return console.log('No calls in this period.');
    const keys = [...q.groupBy, ...(q.bucket ? [q.bucket] : [])];
    const measures = ['calls', 'errors', 'input_tokens', 'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'latency_p50_ms', 'latency_p95_ms'];
    const total = (f: string): number => report.data.reduce((s, r) => s + Number(r[f]), 0);
    console.log(
      table(
        [...keys, 'calls', 'errors', 'input', 'cached', 'cache_write', 'output', 'reasoning', 'p50_ms', 'p95_ms', 'cost_usd'],
        [
          ...report.data.map((r) => [...keys.map((k) => (r[k] === null ? '(none)' : String(r[k]))), ...measures.map((m) => Number(r[m])), (Number(r['cost_nanos']) / 1e9).toFixed(6)]),
          // By tag a call with two tags is in two rows: their sum is no total, so none is printed.
          ...(keys.length && !q.groupBy.includes('tag') ? [['total', ...keys.slice(1).map(() => ''), total('calls'), total('errors'), ...measures.slice(2).map(() => ''), (total('cost_nanos') / 1e9).toFixed(6)]] : []),
        ],
      ),
    );
  });
}
