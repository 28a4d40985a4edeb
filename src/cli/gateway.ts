/**
 * What the commands that talk to a running gateway's admin API share (`runs *`, `budgets forecast`):
 * --config, --url and --admin-key, and one request helper that turns failures into plain messages.
 */
import { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { configFrom, withConfig } from './common.js';

export interface GatewayOpts {
  config: string;
  url?: string;
  adminKey?: string;
}

export function withGatewayOptions(cmd: Command, adminKeyHelp = 'admin key (default: $TOLLGATE_ADMIN_KEY)'): Command {
  return withConfig(cmd)
    .option('--url <url>', "the gateway (default: $TOLLGATE_URL, else the config's server host and port)")
    .option('--admin-key <key>', adminKeyHelp);
}

/** An address given outright: --url, else TOLLGATE_URL. */
export function givenUrl(url: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return url || env['TOLLGATE_URL'] || undefined;
}

/** Where a gateway listening as the config's `server:` says is reached (a wildcard bind address: on loopback). */
export function listenUrl(server: Pick<Config['server'], 'host' | 'port'>): string {
  const { host, port } = server;
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/**
 * The admin API's messages name query parameters (`?team=`); on the command line the same thing is an
 * option, so say that instead.
 */
export function forCli(message: string): string {
  return message.replaceAll('?team=', '--team <team>');
}

/** One admin API request; a failure (unreachable gateway, error answer) is an Error with a readable message. */
export async function adminRequest(o: GatewayOpts, path: string, method = 'GET', body?: unknown): Promise<unknown> {
  const key = o.adminKey ?? process.env['TOLLGATE_ADMIN_KEY'];
  if (!key) throw new Error('an admin key is needed: --admin-key or TOLLGATE_ADMIN_KEY');
  // The config is read only when it decides the address, so --url works beside a broken or absent config.
  const base = (givenUrl(o.url) ?? listenUrl((await configFrom(o)).server)).replace(/\/$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the gateway at ${base} (${cause?.code ?? cause?.message ?? (err as Error).message}); is it running? --url, TOLLGATE_URL or the config's server: host and port say where`);
  }
  let json: { error?: { message?: string } };
  try {
    json = (await res.json()) as { error?: { message?: string } };
  } catch {
    throw new Error(`${base} answered HTTP ${res.status} without JSON: is it a Tollgate gateway?`);
  }
  if (!res.ok) throw new Error(forCli(json.error?.message ?? `HTTP ${res.status}`));
  return json;
}
