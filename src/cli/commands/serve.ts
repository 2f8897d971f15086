// tml serve: the VIPER-compatible API, the /v1 JSON API, /healthz and /metrics.
import type { Command } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { integerAtLeast } from '../options.js';

interface ServeOptions {
  host?: string;
  port?: number;
  tlsCert?: string;
  tlsKey?: string;
}

export const serveCommand: CliCommand = {
  register(program: Command, host) {
    program
      .command('serve')
      .description('run the tml server (VIPER-compatible API, /v1 JSON API, /healthz, /metrics)')
      .option('--host <address>', 'address to listen on (default: 127.0.0.1 or $TML_HOST)')
      .option(
        '--port <n>',
        'port to listen on (default: 8000 or $TML_PORT; 0 picks a free one)',
        integerAtLeast(0),
      )
      .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain) (or $TML_TLS_CERT)')
      .option('--tls-key <file>', 'the PEM private key of that certificate (or $TML_TLS_KEY)')
      .addHelpText(
        'after',
        '\nOn the first start an admin token is written to <data-dir>/admin.tok (mode 0600).\n' +
          'Examples:\n' +
          '  tml serve\n' +
          '  tml serve --host 0.0.0.0 --port 8080\n' +
          '  tml serve --tls-cert server.crt --tls-key server.key',
      )
      .action(action(host, serve));
  },
};

async function serve(context: CommandContext, options: ServeOptions): Promise<void> {
  const config = context.config();
  if (options.host !== undefined) config.server.host = options.host;
  if (options.port !== undefined) config.server.port = options.port;
  if (options.tlsCert !== undefined || options.tlsKey !== undefined) {
    if (!options.tlsCert || !options.tlsKey) {
      throw new UsageError(
        '--tls-cert and --tls-key go together: HTTPS needs both the certificate and its key',
      );
    }
    config.server.tls = { cert: resolve(options.tlsCert), key: resolve(options.tlsKey) };
  }
  const { startServer } = await import('../../server/serve.js');
  const server = await startServer(config, () => context.openBackbone());
  if (server.adminTokenPath)
    context.note(`tml: first start: admin token written to ${server.adminTokenPath}`);
  context.note(`tml: serving on ${server.url} (data in ${config.dataDir})`);
  context.note(`tml: console on ${server.url}/`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      context.note(`tml: ${signal}: finishing requests in flight, then closing`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      server.close().then(resolve, (error: unknown) => {
        context.note(`tml: error while closing: ${String(error)}`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
