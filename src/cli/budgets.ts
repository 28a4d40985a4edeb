/** `tollgate budgets set|list|rm`: budget definitions in the store; running gateways pick changes up within a second. */
import { Command, InvalidArgumentError } from 'commander';
import { budgetRecord, budgetView, removeBudget } from '../budgets/budget-service.js';
import { budgetConfigSchema } from '../config/schema.js';
import { configFrom, table, withConfig, withStore } from './common.js';
import { budgetsForecastCommand } from './budgets-forecast.js';

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a non-negative number');
  return n;
};

export function budgetsCommand(): Command {
  const cmd = new Command('budgets').description('set, list, remove and forecast budgets');

  cmd.addCommand(
    withConfig(new Command('set'))
      .description('create or change a budget, e.g. budgets set team:platform --usd 5000 --period month')
      .argument('<scope>', 'org | team:T | user:U | project:P | key:ID | tag:T | run:R (value * = each separately)')
      .requiredOption('--usd <amount>', 'limit in USD', num)
      .option('--period <period>', 'day | week | month | year | none', 'month')
      .option('--tokens <n>', 'also limit tokens', num)
      .option('--alert-at <list>', 'comma-separated percentages, e.g. 50,80,100')
      .option('--downgrade-at <pct>', 'serve --downgrade-to past this utilisation, percent (needs --downgrade-to; default 80)', num)
      .option('--downgrade-to <model>', 'the cheaper model, served from 80% utilisation unless --downgrade-at says otherwise')
      .option('--clamp', 'shrink max_tokens to what remains instead of refusing')
      .option('--pace <action>', "spread the budget over its period; once today's allowance is spent: alert | downgrade | block")
      .option('--pace-model <model>', 'the model --pace downgrade serves')
      .action(async (scope: string, o: { config: string; usd: number; period: string; tokens?: number; alertAt?: string; downgradeAt?: number; downgradeTo?: string; clamp?: boolean; pace?: string; paceModel?: string }) => {
        if (o.downgradeAt !== undefined && o.downgradeTo === undefined) throw new Error('--downgrade-at needs --downgrade-to <model>: the model to serve past that utilisation');
        const parsed = budgetConfigSchema.safeParse({
          scope,
          limit_usd: o.usd,
          period: o.period,
          limit_tokens: o.tokens,
          alert_at: o.alertAt ? o.alertAt.split(',').map(Number) : [],
          downgrade: o.downgradeTo ? { at_pct: o.downgradeAt ?? 80, model: o.downgradeTo } : undefined,
          clamp: o.clamp ?? false,
          pace: o.pace ? { action: o.pace, model: o.paceModel } : undefined,
        });
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
        const config = await configFrom(o);
        // The models a budget serves must be configured, as the admin API requires.
        for (const [flag, model] of [['--downgrade-to', parsed.data.downgrade?.model], ['--pace-model', parsed.data.pace?.model]] as const) {
          if (model !== undefined && !Object.hasOwn(config.models, model)) throw new Error(`unknown model ${model} (${flag}): it must be configured under models: in the config`);
        }
        const b = budgetRecord(parsed.data, 'api', Date.now());
        await withStore(config, (store) => store.upsertBudget(b));
        console.log(`Budget ${b.id}: $${parsed.data.limit_usd} per ${b.period === 'none' ? 'lifetime' : b.period}${b.pace ? `, paced (${b.pace.action}${b.pace.model ? ` to ${b.pace.model}` : ''})` : ''}.`);
      }),
  );

  cmd.addCommand(
    withConfig(new Command('list'))
      .description('list budgets: limits (USD and tokens) and reset times; what is spent: GET /admin/v1/budgets or tollgate spend')
      .option('--json', 'print JSON')
      .action(async (o: { config: string; json?: boolean }) => {
        const config = await configFrom(o);
        const now = Date.now();
        const views = (await withStore(config, (s) => s.listBudgets())).map((b) => budgetView(b, config.timezone, now));
        if (o.json) return console.log(JSON.stringify({ data: views }));
        if (views.length === 0) return console.log('No budgets. Set one: tollgate budgets set team:platform --usd 5000 --period month');
        // The limits as the admin API lists them, token limit included (spend is the gateway's: GET /admin/v1/budgets).
        console.log(table(['id', 'limit_usd', 'limit_tokens', 'resets_at', 'source'], views.map((v) => [String(v['id']), Number(v['limit_usd']), v['limit_tokens'] as number | null, (v['resets_at'] as string | null) ?? 'never', String(v['source'])])));
      }),
  );

  cmd.addCommand(
    withConfig(new Command('rm'))
      .description('remove a budget by id (scope/period) or scope (all its periods)')
      .argument('<id>', 'e.g. team:platform/month, or team:platform')
      .action(async (id: string, o: { config: string }) => {
        const config = await configFrom(o);
        const removed = await withStore(config, async (s) => {
          const ids = id.includes('/') ? [id] : (await s.listBudgets()).filter((b) => b.scope === id).map((b) => b.id);
          let n = 0;
          for (const x of ids) if (await removeBudget(s, x)) n++;
          return n;
        });
        if (removed === 0) {
          console.error(`tollgate budgets rm: no budget ${id}.`);
          process.exitCode = 1;
        } else console.log(`Removed ${removed} budget(s).`);
      }),
  );
  cmd.addCommand(budgetsForecastCommand());
  return cmd;
}
