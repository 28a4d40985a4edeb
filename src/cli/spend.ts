/** `tollgate spend --by team --since 30d`: spend from the ledger as a table, or --json. */
import { Command } from 'commander';
import { spendReport } from '../analytics/spend-report.js';
import { configFrom, reportQuery, table, withConfig, withReportOptions, withStore, type ReportOptions } from './common.js';

export function spendCommand(): Command {
  return withReportOptions(withConfig(new Command('spend')))
    .description('spend from the ledger, grouped by an attribution dimension')
    .action(async (o: ReportOptions) => {
      const config = await configFrom(o);
      const rows = await withStore(config, (store) => spendReport(store, reportQuery(o)));
      if (o.json) return console.log(JSON.stringify({ group_by: o.by, data: rows }));
      if (rows.length === 0) return console.log('No calls in this period.');
      const total = rows.reduce((s, r) => s + r.cost_nanos, 0);
      console.log(
        table(
          [o.by, 'calls', 'input', 'cached', 'cache_write', 'output', 'reasoning', 'cost_usd'],
          [
            ...rows.map((r) => [r.group ?? '(none)', r.calls, r.input_tokens, r.cached_input_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, (r.cost_nanos / 1e9).toFixed(6)]),
            ['total', rows.reduce((s, r) => s + r.calls, 0), '', '', '', '', '', (total / 1e9).toFixed(6)],
          ],
        ),
      );
    });
}
