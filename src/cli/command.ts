// The shape of one `tml` command, and the glue that gives its action a CommandContext.
import type { Command } from 'commander';
import { CommandContext, type CliHost } from './context.js';

export interface CliCommand {
  /**
   * Adds the command (and its subcommands) to `program` with `program.command(...)`, so that the
   * program's settings (error output, exit handling) are inherited. Keep heavy imports inside the
   * action (`await import(...)`): `tml --help` must stay fast.
   */
  register(program: Command, host: CliHost): void;
}

/**
 * Wraps an action so that it receives its positional arguments, its own options and a context.
 * Commander passes `(...args, options, command)`.
 */
export function action<Options, Args extends unknown[]>(
  host: CliHost,
  run: (context: CommandContext, options: Options, ...args: Args) => Promise<void>,
): (...params: unknown[]) => Promise<void> {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const options = params[params.length - 2] as Options;
    const args = params.slice(0, -2) as Args;
    await run(new CommandContext(host, command), options, ...args);
  };
}
