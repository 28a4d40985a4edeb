/** `tollgate spend --by team --since 30d`: spend from the ledger as a table, or --json. */
import { Command, InvalidArgumentError } from 'commander';
import { isSpendGroup, parseTime, spendReport } from '../analytics/spend-report.js';
import type { SpendGroup } from '../storage/types.js';
import { configFrom, table, withConfig, withStore } from './common.js';

export function spendCommand(): Command {
  return withConfig(new Command('spend'))
    .description('spend from the ledger, grouped by an attribution dimension')
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
      const from = parseTime(o.since, now);
      const to = parseTime(o.until, now);
      const rows = await withStore(config, (store) => spendReport(store, { groupBy: o.by, from, to }));
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
