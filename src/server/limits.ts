// Limits of the HTTP server itself, before either face reads a request (docs/security.md).

/** The longest query string Fastify's own parser reads (the /v1 face's; VIPER parses its own). */
export const MAX_V1_QUERY_CHARS = 8 * 1024;
