/** `tollgate savings --since 30d [--by team|model]`: what routing, downgrades and the cache saved. */
import { Command, InvalidArgumentError } from 'commander';
import { savingsReport } from '../analytics/savings-report.js';
import { isSpendGroup, parseTime } from '../analytics/spend-report.js';
import type { SpendGroup } from '../storage/types.js';
import { configFrom, table, withConfig, withStore } from './common.js';

export function savingsCommand(): Command {
  return withConfig(new Command('savings'))
    .description('what routing, downgrades and the cache saved against what clients asked for')
    .option('--by <dimension>', 'team|user|project|key|model|provider|run|agent|day', (v: string) => {
      if (!isSpendGroup(v)) throw new InvalidArgumentError('use team, user, project, key, model, provider, run, agent or day');
      return v;
    }, 'team')
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; by: SpendGroup; since: string; until?: string; json?: boolean }) => {
      const config = await configFrom(o);
      const now = Date.now();
      const report = await withStore(config, (s) => savingsReport(s, { groupBy: o.by, from: parseTime(o.since, now), to: parseTime(o.until, now) }));
      if (o.json) return console.log(JSON.stringify({ group_by: o.by, ...report }));
      if (report.data.length === 0) return console.log('Nothing routed, downgraded or cached in this period.');
      console.log(table([o.by, 'reason', 'calls', 'cost_usd', 'saved_usd'], report.data.map((r) => [r.group ?? '(none)', r.reason, r.calls, r.cost_usd.toFixed(6), r.saved_usd.toFixed(6)])));
      console.log(`\nSaved in all: $${report.total_saved_usd.toFixed(6)}`);
    });
}
