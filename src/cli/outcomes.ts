/** `tollgate outcomes add|list`: outcomes (a merged PR, a resolved ticket) and their value, in the store. */
import { Command } from 'commander';
import { MAX_OUTCOME_USD, outcomeRecord, outcomeView } from '../analytics/outcomes.js';
import { parseTime } from '../analytics/spend-report.js';
import { nanosToUsd } from '../pricing/money.js';
import type { OutcomeRecord } from '../storage/types.js';
import { configFrom, decimal, table, wholeNumber, withConfig, withStore } from './common.js';


interface AddOptions {
  config: string;
  run?: string;
  project?: string;
  team?: string;
  agent?: string;
  label: string;
  value: number;
  at?: string;
  json?: boolean;
}

export function outcomesCommand(): Command {
  const cmd = new Command('outcomes').description('report outcomes and their value (for ROI), and list them');

  cmd.addCommand(
    withConfig(new Command('add'))
      .description('record an outcome, e.g. outcomes add --run r-42 --label pr_merged --value 120')
      .option('--run <run>', 'the run it came from')
      .option('--project <project>', 'the project it belongs to')
      .option('--team <team>', 'the team it belongs to')
      .option('--agent <agent>', 'only this agent of the run/project/team earned it')
      .requiredOption('--label <label>', 'what happened, e.g. pr_merged, ticket_resolved')
      .requiredOption('--value <usd>', 'what it was worth, in USD (at most 1000000)', decimal(MAX_OUTCOME_USD))
      .option('--at <time>', 'when: an ISO date/time or epoch ms (default now)')
      .option('--json', 'print JSON')
      .action(async (o: AddOptions) => {
        let record: OutcomeRecord;
        try {
          const at = o.at === undefined ? undefined : /^\d+$/.test(o.at) ? Number(o.at) : o.at;
          record = outcomeRecord({ run: o.run, project: o.project, team: o.team, agent: o.agent, label: o.label, value_usd: o.value, at }, Date.now());
        } catch (err) {
          console.error(`tollgate outcomes add: ${(err as Error).message}`);
          process.exitCode = 1;
          return;
        }
        const config = await configFrom(o);
        await withStore(config, (store) => store.insertOutcome(record));
        if (o.json) return console.log(JSON.stringify(outcomeView(record)));
        console.log(`Outcome ${record.id}: ${record.label} worth $${nanosToUsd(record.valueNanos)} at ${new Date(record.at).toISOString()}.`);
      }),
  );

  cmd.addCommand(
    withConfig(new Command('list'))
      .description('outcomes reported in a period')
      .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
      .option('--until <time>', 'end (exclusive)')
      .option('--run <run>', 'only outcomes of this run')
      .option('--project <project>', 'only outcomes of this project')
      .option('--team <team>', 'only outcomes of this team')
      .option('--limit <n>', 'at most this many', wholeNumber(1), 1000)
      .option('--json', 'print JSON')
      .action(async (o: { config: string; since: string; until?: string; run?: string; project?: string; team?: string; limit: number; json?: boolean }) => {
        const now = Date.now();
        const config = await configFrom(o);
        const rows = await withStore(config, (s) => s.outcomes({ from: parseTime(o.since, now), to: parseTime(o.until, now), run: o.run, project: o.project, team: o.team, limit: Math.max(1, Math.floor(o.limit)) }));
        if (o.json) return console.log(JSON.stringify({ data: rows.map(outcomeView) }));
        if (rows.length === 0) return console.log('No outcomes in this period.');
        console.log(table(['at', 'label', 'value_usd', 'run', 'project', 'team', 'agent'], rows.map((r) => [new Date(r.at).toISOString(), r.label, nanosToUsd(r.valueNanos).toFixed(2), r.run, r.project, r.team, r.agent])));
      }),
  );
  return cmd;
}
