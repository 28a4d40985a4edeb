/** `tollgate waste --since 30d [--team T]`: spend that bought nothing or could have been cheaper. */
import { Command } from 'commander';
import { reportWindow } from '../analytics/call-scan.js';
import { parseTime } from '../analytics/spend-report.js';
import { wasteReport } from '../analytics/waste-report.js';
import { resolveModelRates } from '../pricing/model-rates.js';
import { configFrom, table, withConfig, withStore } from './common.js';

export function wasteCommand(): Command {
  return withConfig(new Command('waste'))
    .description('waste per team and agent: guard-stopped runs, duplicates, failures, retries, oversized models')
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--team <team>', 'only this team')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; since: string; until?: string; team?: string; json?: boolean }) => {
      const config = await configFrom(o);
      const now = Date.now();
      const window = reportWindow(parseTime(o.since, now), parseTime(o.until, now), now);
      const cheap = config.waste.oversized?.cheap_model;
      const cheapModel = cheap === undefined ? undefined : config.models[cheap];
      const cheapRates = cheap && cheapModel ? ((await resolveModelRates({ models: { [cheap]: cheapModel }, providers: config.providers })).get(cheap) ?? null) : null;
      const tiers = new Map(Object.entries(config.models).map(([name, m]) => [name, m.tier]));
      const report = await withStore(config, (s) => wasteReport(s, { ...window, team: o.team, config: config.waste, tiers, cheapRates }));
      if (o.json) return console.log(JSON.stringify(report));
      console.log(table(['category', 'calls', 'cost_usd', 'avoidable_usd', 'would_have_cost_usd'], report.by_category.map((r) => [r.category, r.calls, r.cost_usd.toFixed(6), r.avoidable_usd.toFixed(6), r.would_have_cost_usd === undefined ? null : r.would_have_cost_usd.toFixed(6)])));
      if (report.data.length > 0) {
        console.log('');
        console.log(table(['team', 'agent', 'category', 'calls', 'cost_usd', 'avoidable_usd'], report.data.map((r) => [r.team, r.agent ?? '(none)', r.category, r.calls, r.cost_usd.toFixed(6), r.avoidable_usd.toFixed(6)])));
      }
      console.log(`\nAvoidable in all: $${report.total_usd.toFixed(6)} (${report.from} to ${report.to})`);
    });
}
