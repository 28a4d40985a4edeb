/**
 * The floor any Node proxy pays: node:http in, undici Pool out, no parsing, no policy.
 * Usage: node bare-proxy.mjs PORT UPSTREAM_ORIGIN   (listens on 127.0.0.1)
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstream] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const headers = { 'content-type': 'application/json' };
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const up = await pool.request({ method: req.method, path: req.url, headers, body: Buffer.concat(chunks) });
      const out = { 'content-type': up.headers['content-type'] ?? 'application/json' };
      if (up.headers['content-length']) out['content-length'] = up.headers['content-length'];
      res.writeHead(up.statusCode, out);
      // pipe(), not stream.pipeline(): pipeline() makes an AbortController per call (~10% of the CPU here).
      up.body.on('error', () => res.destroy());
      up.body.pipe(res);
    } catch (err) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err) } }));
    }
  });
});
server.listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
