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
  expiresIn?: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `90d`, `12h`, `30m`, `45s` or plain seconds, as whole seconds. */
export function parseDuration(raw: string): number {
  const match = /^(\d{1,10})([smhd]?)$/.exec(raw.trim().toLowerCase());
  if (match === null) throw new InvalidArgumentError('expected a duration such as 90d, 12h, 30m or 3600.');
  return Number(match[1]) * UNITS[match[2] || 's'];
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
          '  tml token create --role user --label dashboards --expires-in 90d\n' +
          '  tml token rotate 3f2a9c0d1e4b5a69 --grace 1h\n' +
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
      .option('--expires-in <duration>', 'a lifetime (90d, 12h, 30m); default: no expiry', parseDuration)
      .action(action(host, create));
    token
      .command('list')
      .description('list tokens (ids, roles, labels; never the tokens)')
      .action(action(host, list));
    token
      .command('rotate')
      .description('replace a token by a new one (same role, label and lifetime); printed once')
      .argument('<id>', 'the token id shown by `tml token list`')
      .option(
        '--grace <duration>',
        'how long the old token keeps working (default: it stops now)',
        parseDuration,
      )
      .action(action(host, rotate));
    token
      .command('revoke')
      .description('revoke a token by its id (the last admin token cannot be revoked)')
      .argument('<id>', 'the token id shown by `tml token list`')
      .action(action(host, revoke));
  },
};

/** The three token operations, run locally or against a server. */
interface TokenBackend {
  create(
    role: 'admin' | 'user',
    label: string,
    expiresIn?: number,
  ): Promise<{ token: string; info: TokenInfo }>;
  rotate(id: string, grace: number): Promise<{ token: string; info: TokenInfo; retired: TokenInfo }>;
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
      create: (role, label, expiresIn) => client.createToken(role, label, expiresIn),
      rotate: (id, grace) => client.rotateToken(id, grace),
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
      create: (role, label, expiresIn) => ops.createToken(ctx, role, label, expiresIn),
      rotate: (id, grace) => ops.rotateToken(ctx, id, grace),
      list: async () => ops.listTokens(ctx),
      revoke: (id) => ops.revokeToken(ctx, id),
    });
  });
}

async function create(context: CommandContext, options: CreateOptions): Promise<void> {
  const { token, info } = await withTokens(context, (t) =>
    t.create(options.role, options.label ?? '', options.expiresIn),
  );
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
      table([
        ['ID', 'ROLE', 'CREATED', 'EXPIRES', 'LAST USED', 'LABEL'],
        ...tokens.map((t) => [t.id, t.role, t.createdAt, t.expiresAt ?? '-', t.lastUsedAt ?? '-', t.label]),
      ]),
    );
  }
}

async function rotate(context: CommandContext, options: { grace?: number }, id: string): Promise<void> {
  const { token, info, retired } = await withTokens(context, (t) => t.rotate(id, options.grace ?? 0));
  if (context.json) await context.out.json({ token, ...info, retired });
  else {
    await context.out.line(token);
    context.note(
      `tml: ${info.role} token ${info.id} replaces ${retired.id}` +
        (options.grace ? `, which stops working at ${retired.expiresAt}` : ', which no longer works') +
        '; the new token is shown only this once',
    );
  }
}

async function revoke(context: CommandContext, _options: unknown, id: string): Promise<void> {
  const info = await withTokens(context, (t) => t.revoke(id));
  context.note(`tml: token ${info.id} (${info.role}) revoked`);
}
