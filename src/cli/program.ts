// The `tml` program: global options, the commands of ./commands, and the mapping of every failure to
// one line on stderr and an exit code (see ./errors.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { debugEnabled } from '../config/config.js';
import { commands } from './commands/index.js';
import type { CliHost } from './context.js';
import { EXIT_OK, EXIT_USAGE, exitCodeFor, messageFor, oneLine } from './errors.js';

export function createProgram(host: CliHost): Command {
  const program = new Command('tml')
    .description(
      'Transactional Machine Learning: topics, records and continuous AutoML over Kafka streams.\n' +
        'Without a Kafka cluster configured, tml keeps its data in an embedded backbone in the data directory.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of tml')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    .addOption(
      new Option(
        '--data-dir <dir>',
        'where the embedded backbone keeps its data (default: $TML_DATA_DIR or ./.tml)',
      ),
    )
    .option('--json', 'print data as JSON (for scripts)')
    .option(
      '--server <url>',
      'work on a running tml server (e.g. http://127.0.0.1:8000) instead of the local backbone (default: $TML_SERVER)',
    )
    .option('--token <token>', 'the token for --server; @<file> reads it from a file (default: $TML_TOKEN)')
    .option('--token-file <path>', 'read the token for --server from a file, e.g. .tml/admin.tok')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => host.stdout.write(text),
      writeErr: (text) => host.stderr.write(text),
      // Commander's own errors ("error: unknown option '--x'") become one `tml: ...` line.
      outputError: (text, write) => write(`tml: ${oneLine(text.replace(/^error: /, ''))}\n`),
    })
    .exitOverride()
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      '\nEnvironment: TML_DATA_DIR (data directory), TML_CONFIG (JSON config file), TML_DEBUG=1 (stack traces),\n' +
        'TML_SERVER, TML_TOKEN, TML_TOKEN_FILE (a server to work on, as --server, --token, --token-file).\n' +
        'Exit codes: 0 done, 1 failed while running, 2 bad command line (nothing was changed).\n' +
        'More: docs/cli.md',
    );

  for (const command of commands) command.register(program, host);
  return program;
}

/** Runs `tml` with `argv` (without the node and script paths) and returns the exit code. */
export async function run(argv: string[], host: CliHost): Promise<number> {
  const program = createProgram(host);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end with code 0; everything else commander reports is a usage error,
      // already printed through outputError (or as help on stderr for a missing subcommand).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    host.stderr.write(`tml: ${messageFor(error)}\n`);
    if (debugEnabled(host.env)) {
      for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
        host.stderr.write((cause === error ? '' : 'caused by: ') + (cause.stack ?? cause.message) + '\n');
      }
    }
    return exitCodeFor(error);
  }
}

function packageVersion(): string {
  // src/cli (tsx) and dist/src/cli (compiled) sit at different depths: look upwards.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tml' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return 'unknown';
}
