/**
 * The things measured: the mock itself (direct), the bare pass-through, Tollgate, Portkey. Each start
 * function returns a running target { url, path, headers, proc, info } that the client and wrk use.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort, startChild, waitForHttp } from './children.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/index.js');
const BARE = fileURLToPath(new URL('../peers/bare-proxy.mjs', import.meta.url));
const UPSTREAM_KEY = 'sk-bench';

const jsonHeaders = (token) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });

/** The mock upstream, in its own process so it never shares an event loop with what it serves. */
export async function startMock(mockOptions) {
  const port = await freePort();
  const args = [CLI, 'mock-provider', '--port', String(port)];
  for (const [flag, value] of Object.entries(mockOptions)) args.push(`--${flag}`, String(value));
  const proc = startChild(process.execPath, args, { cwd: ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/v1/models`, proc);
  return { url, path: '/v1/chat/completions', headers: jsonHeaders(UPSTREAM_KEY), proc, info: { options: mockOptions } };
}

export async function startBare(mock) {
  const port = await freePort();
  const proc = startChild(process.execPath, [BARE, String(port), mock.url], { cwd: ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc);
  return { url, path: '/v1/chat/completions', headers: jsonHeaders(UPSTREAM_KEY), proc, info: {} };
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Scenario fragments are merged over the base config, objects key by key, anything else replaced. */
export function mergeConfig(base, fragment) {
  const out = { ...base };
  for (const [k, v] of Object.entries(fragment ?? {})) {
    out[k] = isPlainObject(v) && isPlainObject(base[k]) ? mergeConfig(base[k], v) : v;
  }
  return out;
}

/**
 * Tollgate from the compiled CLI, with auth + metering + ledger on: SQLite in the run's temp dir, a
 * virtual key made through the admin API, the mock as an OpenAI-shaped provider.
 */
export async function startTollgate(mock, { tmpDir, model, fragment, nodeArgs = [], env = null, cli = CLI }) {
  const port = await freePort();
  const adminKey = `bench-admin-${process.pid}-${Date.now()}`;
  const base = {
    server: { host: '127.0.0.1', port },
    admin_key: adminKey,
    store: { kind: 'sqlite', path: join(tmpDir, 'ledger.db') },
    log: { level: 'warn' },
    providers: { mock: { kind: 'openai', base_url: `${mock.url}/v1`, api_key: UPSTREAM_KEY } },
    models: { [model]: { provider: 'mock', price: { input_per_mtok: 0.15, output_per_mtok: 0.6 } } },
  };
  const config = mergeConfig(base, fragment);
  const configFile = join(tmpDir, 'tollgate.yaml');
  await writeFile(configFile, JSON.stringify(config, null, 2)); // JSON is YAML
  const proc = startChild(process.execPath, [...nodeArgs, cli, 'start', '-c', configFile, '--port', String(port)], {
    cwd: tmpDir,
    ...(env ? { env: { ...process.env, ...env } } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, proc);

  const res = await request(`${url}/admin/v1/keys`, {
    method: 'POST',
    headers: jsonHeaders(adminKey),
    body: JSON.stringify({ team: 'bench', name: 'bench' }),
  });
  const created = await res.body.json();
  if (res.statusCode !== 201 || typeof created.key !== 'string') {
    throw new Error(`could not create a virtual key (HTTP ${res.statusCode}): ${JSON.stringify(created)}`);
  }

  /** GET an admin API path; resolves the JSON body. */
  const admin = async (path) => {
    const r = await request(`${url}${path}`, { headers: jsonHeaders(adminKey) });
    return r.body.json();
  };
  /** What the ledger holds for the bench team: { calls, input_tokens, output_tokens, ... }. */
  const ledger = async () => {
    const body = await admin('/admin/v1/spend?group_by=team');
    return body.data?.find((row) => row.team === 'bench') ?? null;
  };
  return { url, path: '/v1/chat/completions', headers: jsonHeaders(created.key), proc, info: { config: redact(config) }, ledger, admin };
}

/** The config as recorded in the results: no temp paths, ports or secrets. */
function redact(config) {
  const providers = Object.fromEntries(
    Object.entries(config.providers).map(([name, p]) => [name, { ...p, base_url: '(mock)/v1', api_key: '(bench)' }]),
  );
  return {
    ...config,
    admin_key: '(generated)',
    server: { ...config.server, port: '(free port)' },
    store: config.store.kind === 'sqlite' ? { ...config.store, path: '(temp dir)/ledger.db' } : config.store,
    ...(config.limits?.kind === 'redis' ? { limits: { ...config.limits, prefix: '(random)' } } : {}),
    providers,
  };
}
