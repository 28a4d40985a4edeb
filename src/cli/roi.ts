/** `tollgate roi --by team --since 30d`: value per dollar and cost per outcome, most efficient first. */
import { Command, InvalidArgumentError } from 'commander';
import { reportWindow } from '../analytics/call-scan.js';
import { ROI_GROUPS, ROI_SORTS, roiReport, type RoiGroup, type RoiSort } from '../analytics/roi-report.js';
import { parseTime } from '../analytics/spend-report.js';
import { configFrom, table, withConfig, withStore } from './common.js';

const oneOf =
  <T extends string>(list: readonly T[]) =>
  (v: string): T => {
    if (!(list as readonly string[]).includes(v)) throw new InvalidArgumentError(`use ${list.join(', ')}`);
    return v as T;
  };

export function roiCommand(): Command {
  return withConfig(new Command('roi'))
    .description('return on spend: value per dollar and cost per outcome, ranked by efficiency; low-value usage flagged')
    .option('--by <dimension>', ROI_GROUPS.join('|'), oneOf(ROI_GROUPS), 'team')
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--sort <order>', ROI_SORTS.join('|'), oneOf(ROI_SORTS), 'value_per_dollar')
    .option('--json', 'print JSON')
    .action(async (o: { config: string; by: RoiGroup; since: string; until?: string; sort: RoiSort; json?: boolean }) => {
      const config = await configFrom(o);
      const now = Date.now();
      const window = reportWindow(parseTime(o.since, now), parseTime(o.until, now), now);
      const report = await withStore(config, (s) => roiReport(s, { groupBy: o.by, sort: o.sort, ...window, config: config.roi }));
      if (o.json) return console.log(JSON.stringify(report));
      if (report.data.length === 0) return console.log('No spend or outcomes in this period.');
      const fixed = (v: number | null, d: number): string | null => (v === null ? null : v.toFixed(d));
      console.log(
        table(
          [o.by, 'cost_usd', 'outcomes', 'value_usd', 'value_per_dollar', 'cost_per_outcome_usd', 'flags'],
          report.data.map((r) => [r.group ?? '(none)', r.cost_usd.toFixed(6), r.outcomes, r.value_usd.toFixed(2), fixed(r.value_per_dollar, 2), fixed(r.cost_per_outcome_usd, 6), r.flags.join(',') || null]),
        ),
      );
      console.log(`\nRanked by ${report.ranking.replaceAll('_', ' ')}.`);
    });
}
