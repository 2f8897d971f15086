// tml token create|list|revoke: manage the server's tokens, in the data directory (as the local
// administrator) or on a running server (`--server URL --token ADMIN_TOKEN`, through the SDK).
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { table } from '../output.js';
import type { TokenInfo } from '../../client/types.js';

interface CreateOptions {
  role: 'admin' | 'user';
  label?: string;
}

function parseRole(raw: string): 'admin' | 'user' {
  const role = raw.trim().toLowerCase();
  if (role !== 'admin' && role !== 'user') throw new InvalidArgumentError("expected 'admin' or 'user'.");
  return role;
}

export const tokenCommand: CliCommand = {
  register(program: Command, host) {
    const token = program
      .command('token')
      .description('create, list and revoke the tokens of the tml server')
      .addHelpText(
        'after',
        '\nExamples:\n' +
          '  tml token create --role user --label dashboards\n' +
          '  tml token list\n' +
          '  tml token revoke 3f2a9c0d1e4b5a69\n' +
          '  tml token list --server http://10.0.0.5:8000 --token @admin.tok',
      );
    // With the global --server and --token (an admin token), they work on that server.
    token
      .command('create')
      .description('create a token; it is printed once and only its SHA-256 is kept')
      .requiredOption('--role <role>', 'admin or user', parseRole)
      .option('--label <text>', 'a note to recognise the token by in `tml token list`')
      .action(action(host, create));
    token
      .command('list')
      .description('list tokens (ids, roles, labels; never the tokens)')
      .action(action(host, list));
    token
      .command('revoke')
      .description('revoke a token by its id (the last admin token cannot be revoked)')
      .argument('<id>', 'the token id shown by `tml token list`')
      .action(action(host, revoke));
  },
};

/** The three token operations, run locally or against a server. */
interface TokenBackend {
  create(role: 'admin' | 'user', label: string): Promise<{ token: string; info: TokenInfo }>;
  list(): Promise<TokenInfo[]>;
  revoke(id: string): Promise<TokenInfo>;
}

async function withTokens<T>(
  context: CommandContext,
  work: (tokens: TokenBackend) => Promise<T>,
): Promise<T> {
  const remote = context.remote();
  if (remote !== undefined) {
    const { connect } = await import('../remote/connect.js');
    const client = await connect(remote);
    return work({
      create: (role, label) => client.createToken(role, label),
      list: () => client.listTokens(),
      revoke: (id) => client.revokeToken(id),
    });
  }
  // Whoever can open the data directory holds every record in it: they act as the administrator.
  const ops = await import('../../server/operations/tokens.js');
  const { localAdminContext } = await import('../../server/local-context.js');
  return context.withBackbone(async (backbone) => {
    const ctx = await localAdminContext(backbone, context.config());
    return work({
      create: (role, label) => ops.createToken(ctx, role, label),
      list: async () => ops.listTokens(ctx),
      revoke: (id) => ops.revokeToken(ctx, id),
    });
  });
}

async function create(context: CommandContext, options: CreateOptions): Promise<void> {
  const { token, info } = await withTokens(context, (t) => t.create(options.role, options.label ?? ''));
  if (context.json) await context.out.json({ token, ...info });
  else {
    await context.out.line(token);
    context.note(`tml: ${info.role} token ${info.id} created; it is shown only this once`);
  }
}

async function list(context: CommandContext): Promise<void> {
  const tokens = await withTokens(context, (t) => t.list());
  if (context.json) await context.out.json(tokens);
  else {
    await context.out.line(
      table([['ID', 'ROLE', 'CREATED', 'LABEL'], ...tokens.map((t) => [t.id, t.role, t.createdAt, t.label])]),
    );
  }
}

async function revoke(context: CommandContext, _options: unknown, id: string): Promise<void> {
  const info = await withTokens(context, (t) => t.revoke(id));
  context.note(`tml: token ${info.id} (${info.role}) revoked`);
}
