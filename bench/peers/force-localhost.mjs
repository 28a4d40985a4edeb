/**
 * Preloaded into a peer gateway (`node --import ./force-localhost.mjs ...`) that would otherwise listen
 * on every interface: every TCP listen() is rewritten to 127.0.0.1.
 */
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (args.length > 1 && (args[1] === undefined || args[1] === null || typeof args[1] === 'string')) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
