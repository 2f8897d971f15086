// The HTTP(S) server under Fastify, made here so that HTTP and HTTPS get the same limits: header and
// request timeouts checked every second (Node checks every 30 s by default, so a 60 s header timeout
// took 70-90 s), a cap on connections in all and per client address.
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { ConnectionLimits } from './limits.js';

export interface TlsFiles {
  /** PEM certificate chain. */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
}

export function createTransport(
  handler: RequestListener,
  options: { limits: ConnectionLimits; maxHeaderSize: number; tls?: TlsFiles },
): Server {
  const { limits } = options;
  const common = {
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  // An HTTPS server is an HTTP server to Fastify (same request and response objects).
  const server = options.tls
    ? (createHttpsServer(
        { ...common, cert: options.tls.cert, key: options.tls.key },
        handler,
      ) as unknown as Server)
    : createHttpServer(common, handler);
  server.maxConnections = limits.maxConnections;
  // Fastify's default: an idle keep-alive connection is closed after 72 s (above common proxies' 60 s).
  server.keepAliveTimeout = 72_000;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const open = (perAddress.get(address) ?? 0) + 1;
    if (open > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, open);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
  });
  return server;
}
