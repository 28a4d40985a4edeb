/** `tollgate savings --since 30d [--by team|model]`: what routing, downgrades and the cache saved. */
import { Command } from 'commander';
import { savingsReport } from '../analytics/savings-report.js';
import { configFrom, reportQuery, table, withConfig, withReportOptions, withStore, type ReportOptions } from './common.js';

export function savingsCommand(): Command {
  return withReportOptions(withConfig(new Command('savings')))
    .description('what routing, downgrades and the cache saved against what clients asked for')
    .action(async (o: ReportOptions) => {
      const config = await configFrom(o);
      const report = await withStore(config, (s) => savingsReport(s, reportQuery(o)));
      if (o.json) return console.log(JSON.stringify({ group_by: o.by, ...report }));
      if (report.data.length === 0) return console.log('Nothing routed, downgraded or cached in this period.');
      console.log(table([o.by, 'reason', 'calls', 'cost_usd', 'saved_usd'], report.data.map((r) => [r.group ?? '(none)', r.reason, r.calls, r.cost_usd.toFixed(6), r.saved_usd.toFixed(6)])));
      console.log(`\nSaved in all: $${report.total_saved_usd.toFixed(6)}`);
    });
}
