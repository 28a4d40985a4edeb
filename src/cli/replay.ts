/**
 * `tollgate replay --config POLICY.yaml [--since 30d --until ...] [--json]`: what the policy file's
 * budgets, rate limits, run guard, routes and cache would have done to the calls in the ledger.
 * The ledger is the one the policy file's `store:` names, or another config's with --ledger.
 */
import { Command } from 'commander';
import { parseTime } from '../analytics/spend-report.js';
import { configFrom, withConfig, withStore } from './common.js';

interface ReplayOptions {
  config: string;
  ledger?: string;
  since: string;
  until?: string;
  json?: boolean;
  calls?: boolean;
}

export function replayCommand(): Command {
  return withConfig(new Command('replay'))
    .description('replay the ledger through a policy file: blocks, guard stops, routing and cache savings')
    .option('--ledger <file>', "config whose store: holds the ledger (default: the policy file's)")
    .option('--since <time>', 'start: 30d, 12h, an ISO date or epoch ms', '30d')
    .option('--until <time>', 'end (exclusive)')
    .option('--json', 'print JSON')
    .option('--calls', 'with --json: every call\'s outcome')
    .action(async (o: ReplayOptions) => {
      // The text report is a summary; per-call outcomes are only in JSON, so --calls alone would do nothing.
      if (o.calls && !o.json) throw new Error('--calls lists every call\'s outcome in the JSON report: add --json');
      // Loaded here, not at start: the other commands need not pay for it.
      const { formatReport, ledgerPages, loadPolicy, replayPages } = await import('../analytics/replay/index.js');
      const policyConfig = await configFrom(o);
      const ledgerConfig = o.ledger ? await configFrom({ config: o.ledger }) : policyConfig;
      const now = Date.now();
      const from = parseTime(o.since, now);
      const to = parseTime(o.until, now);
      const policy = await loadPolicy(policyConfig);
      const report = await withStore(ledgerConfig, (store) =>
        replayPages(ledgerPages(store, { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }), policy, { outcomes: o.calls === true }),
      );
      console.log(o.json ? JSON.stringify(report) : formatReport(report));
    });
}
