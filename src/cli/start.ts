/** `tollgate start`: run the gateway until SIGINT/SIGTERM, then drain and flush the ledger. */
import { Command } from 'commander';
import { pino } from 'pino';
import { keylessProviders, loadConfig } from '../config/load.js';
import { startGateway } from '../main.js';
import { DEFAULT_CONFIG, listenFailure, wholeNumber, withConfig } from './common.js';

export function startCommand(): Command {
  return withConfig(new Command('start'))
    .description('start the gateway')
    .option('--host <host>', 'address to bind (default from config: 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default from config: 4000)', wholeNumber(0, 65535))
    .action(async (opts: { config: string; host?: string; port?: number }) => {
      const { config, missingEnv, file } = await loadConfig(opts.config, { required: opts.config !== DEFAULT_CONFIG });
      const log = pino({ level: config.log.level });
      if (file === null) log.warn({ config: opts.config }, 'no config file found: running on defaults, with no providers and no models (every call will be refused); pass --config FILE');
      if (missingEnv.length) log.warn({ missing: missingEnv }, 'environment variables named in the config are not set');
      const keyless = keylessProviders(config);
      if (keyless.length) log.warn({ providers: keyless }, 'these providers have no API key: they will refuse every call sent to them (clients get a 502 upstream_error); set their api_key');
      const gw = await startGateway(config, { log, host: opts.host, port: opts.port }).catch((err: unknown) => {
        throw listenFailure(err, '--port N (or server.port in the config)');
      });
      log.info({ url: gw.url, store: config.store.kind, models: [...gw.deps.models.keys()] }, 'tollgate listening');
      if (!config.admin_key) log.warn('admin API disabled: set TOLLGATE_ADMIN_KEY to enable /admin/v1');
      const stop = (signal: string): void => {
        log.info({ signal }, 'shutting down: draining calls and flushing the ledger');
        gw.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
