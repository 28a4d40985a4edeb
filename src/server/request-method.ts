/**
 * The method a request is routed by: HEAD is answered as GET, without its body (node:http sends no
 * body in answer to HEAD, whatever is written, and keeps the headers, content-length included).
 */
import type { IncomingMessage } from 'node:http';

export function routedMethod(req: IncomingMessage): string {
  const method = req.method ?? 'GET';
  return method === 'HEAD' ? 'GET' : method;
}
