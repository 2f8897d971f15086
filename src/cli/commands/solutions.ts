// tml solutions create|update|list|describe|pause|resume|delete: continuous solutions, in the data directory
// (through the solutions' catalog) or on a running server (`--server URL --token T`, through the SDK).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { SolutionView } from '../../client/index.js';
import { action, type CliCommand } from '../command.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { withSolutionOps } from '../ops/solution-ops.js';
import { formatCount, table } from '../output.js';

export const solutionsCommand: CliCommand = {
  register(program: Command, host) {
    const solutions = program
      .command('solutions')
      .description(
        'create, list, describe, pause, resume and delete continuous solutions; list their entities',
      )
      .addHelpText(
        'after',
        '\nA solution keeps learning from the latest window of its streams and predicting every new row\n' +
          '(docs/solutions.md describes the spec). Its models: `tml models <solution>`.\n' +
          'Examples:\n' +
          '  tml solutions create solution.yaml\n' +
          '  cat solution.json | tml solutions create -\n' +
          '  tml solutions list\n' +
          '  echo "retrain: {everySeconds: 60}" | tml solutions update sensors -\n' +
          '  tml solutions describe sensors\n' +
          '  tml solutions pause sensors\n' +
          '  tml solutions list --server http://10.0.0.5:8000 --token @admin.tok',
      );
    solutions
      .command('create')
      .description('create a running solution from a spec (YAML or JSON)')
      .argument('<file>', 'the spec file, or - to read it from stdin')
      .action(action(host, create));
    solutions
      .command('update')
      .description(
        'change a solution in place from a merge patch of its spec (YAML or JSON; null removes a field): ' +
          'it keeps its registry, champions and input offsets; its inputs, variables and task cannot change',
      )
      .argument('<name>', 'the solution')
      .argument('<file>', 'the patch file, or - to read it from stdin')
      .action(action(host, update));
    solutions
      .command('list')
      .description('list solutions: state, condition, retrains, champion')
      .action(action(host, list));
    solutions
      .command('describe')
      .description("show a solution's spec, state, status, champions and problems")
      .argument('<name>', 'the solution')
      .action(action(host, describe));
    solutions
      .command('pause')
      .description('pause a solution: it keeps its champion and registry but does nothing')
      .argument('<name>', 'the solution')
      .action(action(host, (context, _options, name: string) => setState(context, name, false)));
    solutions
      .command('resume')
      .description('resume a paused solution')
      .argument('<name>', 'the solution')
      .action(action(host, (context, _options, name: string) => setState(context, name, true)));
    solutions
      .command('entities')
      .description('list the entities (record keys) a per-entity solution has models for')
      .argument('<name>', 'the solution')
      .action(action(host, entities));
    solutions
      .command('delete')
      .description('delete a solution and its model registry (its output topics stay)')
      .argument('<name>', 'the solution')
      .action(action(host, remove));
  },
};

async function readSpec(context: CommandContext, file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of context.host.stdin) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the spec file ${file}: ${(error as Error).message}`);
  }
}

async function create(context: CommandContext, _options: unknown, file: string): Promise<void> {
  const text = await readSpec(context, file);
  if (text.trim() === '') throw new UsageError(`the spec ${file === '-' ? 'on stdin' : file} is empty`);
  const view = await withSolutionOps(context, (ops) => ops.create(text));
  if (context.json) {
    await context.out.json(view);
    return;
  }
  const outputs = Object.entries(view.spec.outputs)
    .map(([kind, topic]) => `${kind} → ${topic}`)
    .join(', ');
  await context.out.line(`created solution '${view.name}' (${view.state}); outputs: ${outputs}`);
}

async function update(context: CommandContext, _options: unknown, name: string, file: string): Promise<void> {
  const text = await readSpec(context, file);
  if (text.trim() === '') throw new UsageError(`the patch ${file === '-' ? 'on stdin' : file} is empty`);
  const view = await withSolutionOps(context, (ops) => ops.update(name, text));
  if (context.json) {
    await context.out.json(view);
    return;
  }
  await context.out.line(
    `updated solution '${view.name}' in place (${view.state}); its registry and champions stay`,
  );
}

/** The champion of the solution as one cell: `gbm v3 (0.93)`, or `-`. */
function championCell(view: SolutionView): string {
  const champions = Object.entries(view.status?.champions ?? {});
  if (champions.length === 0) return '-';
  if (champions.length > 1) return `${champions.length} entities`;
  const [, c] = champions[0];
  return `${c.algorithm} v${c.version} (${c.forecastAccuracy.toFixed(3)})`;
}

async function list(context: CommandContext): Promise<void> {
  const views = await withSolutionOps(context, (ops) => ops.list());
  if (context.json) {
    await context.out.json(views);
    return;
  }
  if (views.length === 0) {
    context.note('tml: no solutions (create one with `tml solutions create <file>`)');
    return;
  }
  const rows = views.map((v) => [
    v.name,
    v.state,
    v.status?.condition ?? '-',
    formatCount(v.status?.retrains ?? 0),
    formatCount(v.status?.predictions ?? 0),
    championCell(v),
    v.spec.inputs.map((i) => i.topic).join(','),
  ]);
  await context.out.line(
    table([['NAME', 'STATE', 'CONDITION', 'RETRAINS', 'PREDICTIONS', 'CHAMPION', 'INPUTS'], ...rows]),
  );
}

function windowText(spec: SolutionView['spec']): string {
  const w = spec.window;
  if (w.records !== undefined) return `last ${formatCount(w.records)} rows`;
  return `last ${w.seconds} s${w.maxRecords !== undefined ? ` (at most ${formatCount(w.maxRecords)} rows)` : ''}`;
}

function retrainText(spec: SolutionView['spec']): string {
  const parts: string[] = [];
  if (spec.retrain.everyRecords !== undefined)
    parts.push(`every ${formatCount(spec.retrain.everyRecords)} rows`);
  if (spec.retrain.everySeconds !== undefined) parts.push(`every ${spec.retrain.everySeconds} s`);
  return parts.join(' or ');
}

export function formatSolution(view: SolutionView): string {
  const { spec, status } = view;
  const lines = [
    `solution:     ${view.name}${spec.description ? ` — ${spec.description}` : ''}`,
    `state:        ${view.state}`,
    `condition:    ${status?.condition ?? '(no worker has reported yet)'}`,
    `inputs:       ${spec.inputs.map((i) => (i.variables ? `${i.topic}(${i.variables.join(',')})` : i.topic)).join(', ')}${spec.entityKey ? '  [one model per record key]' : ''}`,
    ...(spec.inputs.length === 0
      ? ['model:        (none: the solution only runs its steps)']
      : [
          `model:        ${spec.dependentVariable} ~ ${spec.independentVariables.join(' + ')}${spec.automl.islogistic ? ' (logistic)' : ''}`,
          `window:       ${windowText(spec)}`,
          `retrain:      ${retrainText(spec)}; modelruns ${spec.automl.modelruns}, budget ${spec.automl.timeBudgetMs} ms`,
        ]),
    ...(spec.steps ?? []).map(
      (step, i) => `step ${i}:       ${step.kind} every ${step.everySeconds ?? 60} s → ${step.output}`,
    ),
    `outputs:      ${Object.entries(spec.outputs)
      .map(([kind, topic]) => `${kind} → ${topic}`)
      .join(', ')}`,
    `created:      ${new Date(view.createdAt).toISOString()}`,
  ];
  if (status !== undefined) {
    lines.push(
      `retrains:     ${formatCount(status.retrains)}   predictions: ${formatCount(status.predictions)}   drift events: ${formatCount(status.driftEvents)}`,
    );
    if (status.worker !== undefined) lines.push(`worker:       ${status.worker}`);
    const champions = Object.entries(status.champions);
    if (champions.length > 0) {
      lines.push(
        '',
        table([
          ['ENTITY', 'CHAMPION', 'VERSION', 'ACCURACY'],
          ...champions.map(([entity, c]) => [
            entity || '(all)',
            c.algorithm,
            c.version,
            c.forecastAccuracy.toFixed(4),
          ]),
        ]),
      );
    }
    if (status.problems.length > 0) {
      lines.push('', 'problems (newest last):');
      for (const p of status.problems) lines.push(`  ${new Date(p.at).toISOString()}  ${p.message}`);
    }
  }
  return lines.join('\n') + '\n';
}

async function describe(context: CommandContext, _options: unknown, name: string): Promise<void> {
  const view = await withSolutionOps(context, (ops) => ops.describe(name));
  if (context.json) await context.out.json(view);
  else await context.out.write(formatSolution(view));
}

async function setState(context: CommandContext, name: string, running: boolean): Promise<void> {
  const view = await withSolutionOps(context, (ops) => (running ? ops.resume(name) : ops.pause(name)));
  if (context.json) await context.out.json(view);
  else await context.out.line(`solution '${view.name}' is ${view.state}`);
}

async function remove(context: CommandContext, _options: unknown, name: string): Promise<void> {
  await withSolutionOps(context, (ops) => ops.delete(name));
  if (context.json) await context.out.json({ deleted: name });
  else await context.out.line(`deleted solution '${name}' (its output topics stay)`);
}

async function entities(context: CommandContext, _options: unknown, name: string): Promise<void> {
  const keys = await withSolutionOps(context, (ops) => ops.entities(name));
  if (context.json) await context.out.json(keys);
  else if (keys.length === 0) context.note(`tml: solution '${name}' has no entity models yet`);
  else await context.out.write(keys.map((key) => key + '\n').join(''));
}
