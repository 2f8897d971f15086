// Limits of the HTTP server itself, before either face reads a request (docs/security.md).

/** The longest query string Fastify's own parser reads (the /v1 face's; VIPER parses its own). */
export const MAX_V1_QUERY_CHARS = 8 * 1024;

/** How the server treats connections: slow or too many clients cannot hold it (docs/security.md). */
export interface ConnectionLimits {
  /** A request's headers must arrive within this time, else 408 and the socket closes (default 10 s). */
  headersTimeoutMs: number;
  /** A whole request (headers and body) must arrive within this time (default 120 s). */
  requestTimeoutMs: number;
  /** Open connections from one client address (default 256); more are closed at once. */
  maxConnectionsPerAddress: number;
  /** Open connections in all (default 10,000); more are closed at once. */
  maxConnections: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  maxConnectionsPerAddress: 256,
  maxConnections: 10_000,
};
