/** `tollgate budgets forecast [scope]`: each budget's forecast sentence, from a running gateway's admin API. */
import { Command } from 'commander';
import { reportingErrors } from './common.js';
import { formatUsd } from '../pricing/money.js';
import { adminRequest, withGatewayOptions, type GatewayOpts } from './gateway.js';

interface ForecastOpts extends GatewayOpts {
  json?: boolean;
}

interface ForecastRow {
  budget_id: string;
  sentence: string;
  method: string;
  pacing: null | { action: string; allowance_today_usd: number; spent_today_usd: number; state: string };
}

export function budgetsForecastCommand(): Command {
  return withGatewayOptions(new Command('forecast'), 'admin key, or a team key for its own budgets (default: $TOLLGATE_ADMIN_KEY)')
    .description('projected spend at period end and exhaustion date of every budget (or one scope)')
    .argument('[scope]', 'only the budgets of this scope, e.g. team:platform')
    .option('--json', 'print the API response')
    .action(reportingErrors('budgets forecast', async (scope: string | undefined, o: ForecastOpts) => {
      const q = scope ? `?scope=${encodeURIComponent(scope)}` : '';
      const body = (await adminRequest(o, `/admin/v1/forecasts${q}`)) as { data?: ForecastRow[] };
      if (o.json) return console.log(JSON.stringify(body));
      const rows = body.data ?? [];
      // Naming a scope that has no budget is a mistake (exit 1); having no budgets at all is not.
      if (rows.length === 0 && scope) throw new Error(`no budget on ${scope}`);
      if (rows.length === 0) return console.log('No budgets to forecast.');
      for (const r of rows) {
        const p = r.pacing;
        const pace = p ? ` Paced (${p.action}): today ${formatUsd(p.spent_today_usd)} of ${formatUsd(p.allowance_today_usd)} allowed${p.state === 'over' ? ', allowance spent' : ''}.` : '';
        console.log(`${r.sentence}${pace}`);
      }
    }));
}
