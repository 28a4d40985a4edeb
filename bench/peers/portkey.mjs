/**
 * Portkey's open-source gateway as a peer: installed with npm into the git-ignored bench/.peers/portkey
 * (pinned version; its streaming needs older @hono packages, pinned with npm overrides), started on
 * 127.0.0.1 via the force-localhost preload, and pointed at the mock with its custom-host header.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { freePort, runCommand, startChild, waitForHttp } from '../lib/children.mjs';

export const PORTKEY_VERSION = '1.15.2';
const OVERRIDES = { '@hono/node-server': '1.13.8', '@hono/node-ws': '1.2.0' };
const DIR = fileURLToPath(new URL('../.peers/portkey/', import.meta.url));
const ENTRY = `${DIR}node_modules/@portkey-ai/gateway/build/start-server.js`;
const PRELOAD = fileURLToPath(new URL('./force-localhost.mjs', import.meta.url));

function installedVersion(pkg) {
  try {
    return JSON.parse(readFileSync(`${DIR}node_modules/${pkg}/package.json`, 'utf8')).version;
  } catch {
    return null;
  }
}

function isInstalled() {
  return (
    installedVersion('@portkey-ai/gateway') === PORTKEY_VERSION &&
    Object.entries(OVERRIDES).every(([pkg, v]) => installedVersion(pkg) === v)
  );
}

/** npm's error code and first message line, without stack frames or local paths. */
function npmError(text) {
  const lines = text.split('\n').map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim());
  const code = lines.find((l) => /^code \S+/.test(l));
  const localPath = /(^|[\s(])\//;
  const message = lines.find((l) => l && !/^(code|syscall|errno) /.test(l) && !l.startsWith('at ') && !localPath.test(l));
  return [code, message].filter(Boolean).join(': ') || 'packages missing after install';
}

/** Install if needed. Resolves { ok: true } or { ok: false, reason }. */
export async function installPortkey() {
  if (isInstalled()) return { ok: true, reason: null };
  await mkdir(DIR, { recursive: true });
  const manifest = {
    name: 'tollgate-bench-portkey',
    private: true,
    description: 'Installed by bench/peers/portkey.mjs; git-ignored.',
    dependencies: { '@portkey-ai/gateway': PORTKEY_VERSION },
    overrides: OVERRIDES,
  };
  await writeFile(`${DIR}package.json`, JSON.stringify(manifest, null, 2) + '\n');
  console.log(`bench: installing @portkey-ai/gateway@${PORTKEY_VERSION} into bench/.peers/portkey`);
  const r = await runCommand('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev'], {
    cwd: DIR,
    timeoutMs: 180_000,
  });
  if (r.code !== 0 || !isInstalled()) {
    return { ok: false, reason: `npm install failed (exit ${r.code}): ${npmError(r.stderr || r.stdout)}` };
  }
  return { ok: true, reason: null };
}

/** Start Portkey on a free port; returns a running target (see lib/targets.mjs). */
export async function startPortkey(mock) {
  if (!existsSync(ENTRY)) throw new Error('Portkey is not installed');
  const port = await freePort();
  const proc = startChild(process.execPath, ['--import', PRELOAD, ENTRY, `--port=${port}`, '--headless'], {
    cwd: DIR,
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc);
  return {
    url,
    path: '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer sk-bench',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${mock.url}/v1`,
    },
    proc,
    info: { version: PORTKEY_VERSION, overrides: OVERRIDES },
  };
}
