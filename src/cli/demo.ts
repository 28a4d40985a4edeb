/** `tollgate demo`: the mock provider, a gateway with seeded history and live traffic from four teams; prints the dashboard URL and keys. */
import { Command } from 'commander';
import { listenFailure, wholeNumber } from './common.js';

export function demoCommand(): Command {
  return new Command('demo')
    .description('start a demo: mock provider, gateway with history, live traffic from four teams, the dashboard')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to listen on', wholeNumber(0, 65535), 4000)
    .option('--admin-key <key>', 'admin key to use (default: a random one)')
    .option('--no-traffic', 'seed history only, no live traffic')
    .action(async (opts: { host: string; port: number; adminKey?: string; traffic: boolean }) => {
      // Loaded only when the demo runs: it brings the mock provider and the SDK (tens of MB) that
      // `tollgate start` must not carry.
      const { startDemo } = await import('../demo/index.js');
      const demo = await startDemo({ host: opts.host, port: opts.port, adminKey: opts.adminKey, traffic: opts.traffic }).catch((err: unknown) => {
        throw listenFailure(err, '--port N');
      });
      process.stdout.write(
        [
          '',
          `Tollgate demo running: ${demo.url}`,
          '',
          `  Dashboard    ${demo.dashboardUrl}`,
          `  Admin key    ${demo.adminKey}`,
          `  Viewer key   ${demo.viewerKey}   (team platform: read-only in the dashboard and admin API, and a working key for calls)`,
          '',
          `  Try it:      curl ${demo.url}/v1/chat/completions -H "authorization: Bearer ${demo.viewerKey}" \\`,
          `                 -H 'content-type: application/json' -d '{"model":"gpt-5-mini","messages":[{"role":"user","content":"hi"}]}'`,
          '',
          'Traffic: a coding agent (platform), a map-reduce job (data), a confirmation loop the guard stops (research),',
          'a team spending into its budget (growth). Ctrl-C stops everything and deletes the temp ledger.',
          '',
        ].join('\n'),
      );
      const stop = (): void => {
        demo.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
