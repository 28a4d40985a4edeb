/** Local ports for tests: one free to listen on, and one that refuses connections. */
import { connect, createServer } from 'node:net';

/** A port free right now, from the ephemeral range: to start a server on (another may take it later). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

let refused: Promise<number> | undefined;

/**
 * A local port nobody listens on, for "provider unreachable" and "Redis down" tests: a low port, outside
 * the range listen(0) hands out, so no server of a test running alongside can take it (a port freed
 * from that range was, now and then, and the "dead" provider answered).
 */
export function deadPort(): Promise<number> {
  refused ??= (async () => {
    for (let port = 1; port < 1024; port++) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect(port, '127.0.0.1');
        s.once('connect', () => {
          s.destroy();
          resolve(false);
        });
        s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
      });
      if (ok) return port;
    }
    throw new Error('no refused local port below 1024');
  })();
  return refused;
}
