// What a command's action gets: the global options, the configuration (read once), the backbone
// (opened lazily, so `--help` and argument errors never touch the data directory) and the streams.
import type { Command } from 'commander';
import type { Backbone } from '../backbone/types.js';
import { loadConfig, type TmlConfig } from '../config/config.js';
import { UsageError } from './errors.js';
import type { TopicOps } from './ops/types.js';
import { Output } from './output.js';
import { resolveRemote, type RemoteOptions, type RemoteSettings } from './remote/settings.js';

/** What the CLI runs against: its streams, environment and the way to open the backbone. */
export interface CliHost {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** The environment for the configuration; absent = the process environment. */
  env?: Record<string, string | undefined>;
  /**
   * Opens the backbone; absent = the configured one (src/server/local-backbone.ts). A process that
   * already holds the backbone (the embedded one allows one process per data directory) passes its own.
   */
  openBackbone?: (options: OpenBackboneOptions) => Promise<Backbone>;
}

export type { OpenBackboneOptions } from '../server/local-backbone.js';
import type { OpenBackboneOptions } from '../server/local-backbone.js';

/** Options every command accepts (declared on the program). */
export interface GlobalOptions {
  dataDir?: string;
  json?: boolean;
}

export class CommandContext {
  readonly globals: GlobalOptions;
  readonly out: Output;
  #config?: TmlConfig;
  #remote?: { settings: RemoteSettings | undefined };

  constructor(
    readonly host: CliHost,
    private readonly command: Command,
  ) {
    this.globals = command.optsWithGlobals<GlobalOptions>();
    this.out = new Output(host.stdout);
  }

  get json(): boolean {
    return this.globals.json === true;
  }

  /** The configuration: file and environment, then the command line's overrides. */
  config(): TmlConfig {
    this.#config ??= loadConfig(
      this.host.env,
      this.globals.dataDir !== undefined ? { dataDir: this.globals.dataDir } : {},
    );
    return this.#config;
  }

  /** The server to work on (`--server`, TML_SERVER) and its token; undefined = the local backbone. */
  remote(): RemoteSettings | undefined {
    // From the program's own options: a command may have an option of the same name (demo --no-server).
    let root = this.command;
    while (root.parent) root = root.parent;
    this.#remote ??= { settings: resolveRemote(root.opts<RemoteOptions>(), this.host.env) };
    return this.#remote.settings;
  }

  /** A line on stderr (status and progress, never data). */
  note(line: string): void {
    this.host.stderr.write(line + '\n');
  }

  async openBackbone(): Promise<Backbone> {
    if (this.remote() !== undefined) {
      // serve and demo run here, on the data directory: a server URL cannot stand in for it.
      throw new UsageError(
        `tml ${this.command.name()} works on the local data directory; --server does not apply to it`,
      );
    }
    const config = this.config();
    const { backboneOptions, openConfiguredBackbone } = await import('../server/local-backbone.js');
    const openBackbone = this.host.openBackbone ?? openConfiguredBackbone;
    return openBackbone({
      ...backboneOptions(config),
      waitForBrokersMs: config.kafkaWaitMs,
      onWaiting: (line) => this.note(line),
    });
  }

  /** Opens the backbone, runs `work`, and closes the backbone whatever happens. */
  async withBackbone<T>(work: (backbone: Backbone) => Promise<T>): Promise<T> {
    const backbone = await this.openBackbone();
    try {
      return await work(backbone);
    } finally {
      await backbone.close();
    }
  }

  /** Runs `work` on the topic operations of the server (with --server) or of the local backbone. */
  async withTopicOps<T>(work: (ops: TopicOps) => Promise<T>): Promise<T> {
    const { openTopicOps } = await import('./ops/open.js');
    const ops = await openTopicOps(this);
    try {
      return await work(ops);
    } finally {
      await ops.close();
    }
  }
}
