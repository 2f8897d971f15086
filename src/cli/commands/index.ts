// The commands of `tml`. Adding one: write `src/cli/commands/<name>.ts` exporting a CliCommand,
// and list it here.
import type { CliCommand } from '../command.js';
import { topicsCommand } from './topics.js';
import { produceCommand } from './produce.js';
import { consumeCommand } from './consume.js';
import { serveCommand } from './serve.js';
import { tokenCommand } from './token.js';
import { demoCommand } from './demo.js';
import { solutionsCommand } from './solutions.js';
import { modelsCommand } from './models.js';
import { runCommand } from './run.js';
import { workerCommand } from './worker.js';
import { analyticsCommand } from './analytics.js';

export const commands: CliCommand[] = [
  topicsCommand,
  produceCommand,
  consumeCommand,
  serveCommand,
  runCommand,
  workerCommand,
  solutionsCommand,
  modelsCommand,
  analyticsCommand,
  tokenCommand,
  demoCommand,
];
