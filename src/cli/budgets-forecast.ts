/** `tollgate budgets forecast [scope]`: each budget's forecast sentence, from a running gateway's admin API. */
import { Command } from 'commander';

interface ForecastOpts {
  url: string;
  adminKey?: string;
  json?: boolean;
}

interface ForecastRow {
  budget_id: string;
  sentence: string;
  method: string;
  pacing: null | { action: string; allowance_today_usd: number; spent_today_usd: number; state: string };
}

export function budgetsForecastCommand(): Command {
  return new Command('forecast')
    .description('projected spend at period end and exhaustion date of every budget (or one scope)')
    .argument('[scope]', 'only the budgets of this scope, e.g. team:platform')
    .option('--url <url>', 'the gateway', process.env['TOLLGATE_URL'] ?? 'http://127.0.0.1:4000')
    .option('--admin-key <key>', 'admin key, or a team key for its own budgets (default: $TOLLGATE_ADMIN_KEY)')
    .option('--json', 'print the API response')
    .action(async (scope: string | undefined, o: ForecastOpts) => {
      const key = o.adminKey ?? process.env['TOLLGATE_ADMIN_KEY'];
      if (!key) throw new Error('an admin key is needed: --admin-key or TOLLGATE_ADMIN_KEY');
      const q = scope ? `?scope=${encodeURIComponent(scope)}` : '';
      const res = await fetch(`${o.url.replace(/\/$/, '')}/admin/v1/forecasts${q}`, { headers: { authorization: `Bearer ${key}` } });
      const body = (await res.json()) as { data?: ForecastRow[]; error?: { message: string } };
      if (!res.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
      if (o.json) return console.log(JSON.stringify(body));
      const rows = body.data ?? [];
      if (rows.length === 0) return console.log(scope ? `No budget on ${scope}.` : 'No budgets to forecast.');
      for (const r of rows) {
        const p = r.pacing;
        const pace = p ? ` Paced (${p.action}): today $${p.spent_today_usd.toFixed(2)} of $${p.allowance_today_usd.toFixed(2)} allowed${p.state === 'over' ? ', allowance spent' : ''}.` : '';
        console.log(`${r.sentence}${pace}`);
      }
    });
}
