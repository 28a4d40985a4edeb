/** A local port nobody listens on: for "provider unreachable" and "Redis down" tests. */
import { createServer } from 'node:net';

export async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
