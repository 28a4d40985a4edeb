/** `tollgate routes test --model X --team Y ...`: which route rule a call would match, and why (a dry run). */
import { Command } from 'commander';
import { nearestModel } from '../policy/model-names.js';
import { chooseRoute, routeModel, type RouteModel } from '../policy/routes.js';
import { resolveRates } from '../pricing/catalogue.js';
import { configFrom, decimal, wholeNumber, withConfig } from './common.js';

interface TestOpts {
  config: string;
  model: string;
  key?: string;
  team?: string;
  user?: string;
  project?: string;
  tags?: string;
  agent?: string;
  header?: string;
  promptTokens?: number;
  tools?: boolean;
  images?: boolean;
  embeddings?: boolean;
  budgetUsed?: number;
  run?: string;
  json?: boolean;
}

export function routesCommand(): Command {
  const cmd = new Command('routes').description('route rules');
  cmd.addCommand(
    withConfig(new Command('test'))
      .description('print which rule a call would match and why, without calling anything')
      .requiredOption('--model <model>', 'the model the client asks for')
      .option('--key <id>', 'key id')
      .option('--team <team>', 'team', 'default')
      .option('--user <user>', 'user')
      .option('--project <project>', 'project')
      .option('--tags <list>', 'comma-separated tags')
      .option('--agent <agent>', 'x-tollgate-agent')
      .option('--header <value>', 'x-tollgate-route')
      .option('--prompt-tokens <n>', 'prompt size in tokens', wholeNumber(0))
      .option('--tools', 'the call offers tools')
      .option('--images', 'the call carries images')
      .option('--embeddings', 'the call is an embeddings request')
      .option('--budget-used <pct>', 'utilisation of the tightest budget, percent', decimal(1000))
      .option('--run <id>', 'run id (weighted splits are sticky per run)')
      .option('--json', 'print JSON')
      .action(async (o: TestOpts) => {
        const config = await configFrom(o);
        const models: RouteModel[] = Object.entries(config.models).map(([name, m]) => {
          const p = config.providers[m.provider]!;
          return routeModel(name, m, resolveRates(name, m, { ...p, name: m.provider }));
        });
        const d = chooseRoute(config.routes, models, {
          requested: o.model,
          keyId: o.key ?? '',
          team: o.team ?? 'default',
          user: o.user ?? null,
          project: o.project ?? null,
          tags: o.tags ? o.tags.split(',').map((t) => t.trim()) : [],
          agent: o.agent ?? null,
          header: o.header ?? null,
          promptBytes: o.promptTokens ? o.promptTokens * 4 : 0,
          hasTools: o.tools === true,
          hasImages: o.images === true,
          embeddings: o.embeddings === true,
          budgetUsedPct: o.budgetUsed ?? null,
          stickyKey: o.run ?? 'dry-run',
        });
        // As the gateway would answer such a call: a model neither configured nor a route's alias is unknown.
        if (d.rule === null && !Object.hasOwn(config.models, o.model)) {
          const near = nearestModel(o.model, Object.keys(config.models));
          throw new Error(`the model "${o.model}" is not configured under models:, nor an alias of a route rule that matches this call${near === null ? '' : ` (did you mean "${near}"?)`}`);
        }
        if (o.json) return console.log(JSON.stringify(d));
        console.log(d.reason);
        console.log(`targets: ${d.targets.join(' -> ')}`);
      }),
  );
  return cmd;
}
