/**
 * `tollgate runs list|show|kill|pause|resume|allow`: talks to a running gateway's admin API. A run is
 * its team and its id: `--team` names the team when the id is live under several (or not yet live).
 */
import { Command } from 'commander';
import { reportingErrors, table, wholeNumber } from './common.js';
import { adminRequest, withGatewayOptions, type GatewayOpts } from './gateway.js';

interface RunsOpts extends GatewayOpts {
  json?: boolean;
  team?: string;
}

function withGateway(cmd: Command): Command {
  return withGatewayOptions(cmd).option('--team <team>', "the run's team (runs are per team)").option('--json', 'print JSON');
}

/** The admin path of one run (or its action), with its team when given. */
function runPath(o: RunsOpts, run: string, action?: string): string {
  return `/admin/v1/runs/${encodeURIComponent(run)}${action ? `/${action}` : ''}${o.team ? `?team=${encodeURIComponent(o.team)}` : ''}`;
}

type RunRow = { run: string; team: string; status: string; calls: number; cost_usd: number; agents: { name: string }[]; scores: Record<string, number>; status_reason: string | null; allow_listed: boolean };

function print(o: RunsOpts, run: RunRow): void {
  if (o.json) return console.log(JSON.stringify(run));
  console.log(JSON.stringify(run, null, 2));
}

export function runsCommand(): Command {
  const cmd = new Command('runs').description('live agent runs: list, show, kill, pause, resume, allow');
  cmd.addCommand(
    withGateway(new Command('list'))
      .description('runs, most recently active first')
      .option('--limit <n>', 'how many', wholeNumber(1, 1000), 50)
      .action(reportingErrors('runs list', async (o: RunsOpts & { limit: number }) => {
        const { data } = (await adminRequest(o, `/admin/v1/runs?limit=${o.limit}${o.team ? `&team=${encodeURIComponent(o.team)}` : ''}`)) as { data: RunRow[] };
        if (o.json) return console.log(JSON.stringify({ data }));
        if (data.length === 0) return console.log('No live runs.');
        const top = (s: Record<string, number>): string => {
          const e = Object.entries(s).sort((a, b) => b[1] - a[1])[0];
          return e ? `${e[0]} ${e[1].toFixed(2)}` : '-';
        };
        console.log(table(['run', 'team', 'status', 'calls', 'cost_usd', 'agents', 'top detector'], data.map((r) => [r.run, r.team, r.status, r.calls, r.cost_usd.toFixed(6), r.agents.map((a) => a.name).join(','), top(r.scores)])));
      })),
  );
  cmd.addCommand(
    withGateway(new Command('show'))
      .argument('<run>', 'run id')
      .description("a run's status, call count, cost, tokens, agents, detector scores and evidence, as JSON (not its individual calls)")
      .action(reportingErrors('runs show', async (run: string, o: RunsOpts) => print(o, (await adminRequest(o, runPath(o, run))) as RunRow))),
  );
  for (const action of ['kill', 'pause', 'resume', 'allow'] as const) {
    const what = {
      kill: 'refuse every further call of a run (403 run_terminated) until it is resumed',
      pause: 'hold a run (423 run_paused) until it is resumed or the pause times out',
      resume: 'let a paused, terminated or killed run continue; the guard keeps watching it',
      allow: "exempt a run from the guard's detectors and caps, lifting a stop the guard made (an operator's kill or pause stays until resumed)",
    }[action];
    cmd.addCommand(
      withGateway(new Command(action))
        .argument('<run>', 'run id')
        .option('--reason <text>', 'shown to the run and in its evidence')
        .description(what)
        .action(reportingErrors(`runs ${action}`, async (run: string, o: RunsOpts & { reason?: string }) => {
          const r = (await adminRequest(o, runPath(o, run, action), 'POST', { reason: o.reason })) as RunRow;
          if (o.json) return console.log(JSON.stringify(r));
          console.log(`Run ${r.run} (team ${r.team}): ${r.status}${r.status_reason ? ` (${r.status_reason})` : ''}${r.allow_listed ? ', allow-listed' : ''}.`);
        })),
    );
  }
  return cmd;
}
