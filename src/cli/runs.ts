/**
 * `tollgate runs list|show|kill|pause|resume|allow`: talks to a running gateway's admin API. A run is
 * its team and its id: `--team` names the team when the id is live under several (or not yet live).
 */
import { Command } from 'commander';
import { table } from './common.js';

interface RunsOpts {
  url: string;
  adminKey?: string;
  json?: boolean;
  team?: string;
}

function withGateway(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the gateway', process.env['TOLLGATE_URL'] ?? 'http://127.0.0.1:4000')
    .option('--admin-key <key>', 'admin key (default: $TOLLGATE_ADMIN_KEY)')
    .option('--team <team>', "the run's team (runs are per team)")
    .option('--json', 'print JSON');
}

/** The admin path of one run (or its action), with its team when given. */
function runPath(o: RunsOpts, run: string, action?: string): string {
  return `/admin/v1/runs/${encodeURIComponent(run)}${action ? `/${action}` : ''}${o.team ? `?team=${encodeURIComponent(o.team)}` : ''}`;
}

async function call(o: RunsOpts, path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const key = o.adminKey ?? process.env['TOLLGATE_ADMIN_KEY'];
  if (!key) throw new Error('an admin key is needed: --admin-key or TOLLGATE_ADMIN_KEY');
  const res = await fetch(`${o.url.replace(/\/$/, '')}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as { error?: { message: string } };
  if (!res.ok) throw new Error(json.error?.message ?? `HTTP ${res.status}`);
  return json;
}

type RunRow = { run: string; team: string; status: string; calls: number; cost_usd: number; agents: { name: string }[]; scores: Record<string, number>; status_reason: string | null };

function print(o: RunsOpts, run: RunRow): void {
  if (o.json) return console.log(JSON.stringify(run));
  console.log(JSON.stringify(run, null, 2));
}

export function runsCommand(): Command {
  const cmd = new Command('runs').description('live agent runs: list, show, kill, pause, resume, allow');
  cmd.addCommand(
    withGateway(new Command('list'))
      .description('runs, most recently active first')
      .option('--limit <n>', 'how many', '50')
      .action(async (o: RunsOpts & { limit: string }) => {
        const { data } = (await call(o, `/admin/v1/runs?limit=${Number(o.limit)}${o.team ? `&team=${encodeURIComponent(o.team)}` : ''}`)) as { data: RunRow[] };
        if (o.json) return console.log(JSON.stringify({ data }));
        if (data.length === 0) return console.log('No live runs.');
        const top = (s: Record<string, number>): string => {
          const e = Object.entries(s).sort((a, b) => b[1] - a[1])[0];
          return e ? `${e[0]} ${e[1].toFixed(2)}` : '-';
        };
        console.log(table(['run', 'team', 'status', 'calls', 'cost_usd', 'agents', 'top detector'], data.map((r) => [r.run, r.team, r.status, r.calls, r.cost_usd.toFixed(6), r.agents.map((a) => a.name).join(','), top(r.scores)])));
      }),
  );
  cmd.addCommand(
    withGateway(new Command('show'))
      .argument('<run>', 'run id')
      .description("a run's calls, cost, agents, detector scores and evidence")
      .action(async (run: string, o: RunsOpts) => print(o, (await call(o, runPath(o, run))) as RunRow)),
  );
  for (const action of ['kill', 'pause', 'resume', 'allow'] as const) {
    const what = { kill: 'refuse every further call of a run', pause: 'hold a run until resumed', resume: 'let a paused run continue', allow: 'exempt a run from the guard' }[action];
    cmd.addCommand(
      withGateway(new Command(action))
        .argument('<run>', 'run id')
        .option('--reason <text>', 'shown to the run and in its evidence')
        .description(what)
        .action(async (run: string, o: RunsOpts & { reason?: string }) => {
          const r = (await call(o, runPath(o, run, action), 'POST', { reason: o.reason })) as RunRow;
          if (o.json) return console.log(JSON.stringify(r));
          console.log(`Run ${r.run} (team ${r.team}): ${r.status}${r.status_reason ? ` (${r.status_reason})` : ''}.`);
        }),
    );
  }
  return cmd;
}
