// `tml solutions ...` and `tml models ...`: on the local data directory (through the catalog) and on a
// running server (--server/--token, through the SDK); the CLI runs as a child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { dataDir, tml } from './tml.js';

const SPEC = (name: string) =>
  [
    `name: ${name}`,
    'description: sensors, kept learning',
    'inputs:',
    '  - topic: temp',
    '  - topic: load',
    'window: { records: 50 }',
    'dependentVariable: load',
    'independentVariables: [temp]',
    'retrain: { everySeconds: 10 }',
    'automl: { modelruns: 3 }',
  ].join('\n') + '\n';

let server: RunningServer;
let serverDir: string;
let tokenFile: string;

before(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'tml-solutions-cli-'));
  const config = loadConfig({}, { dataDir: serverDir });
  config.server.port = 0;
  server = await startServer(config, () => openBackbone({ dataDir: serverDir }), { logLevel: false });
  tokenFile = join(serverDir, 'admin.tok');
});

after(async () => {
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
});

/** The same checks, locally (`remote` empty) or against the server. */
async function roundTrip(dir: string, remote: string[]): Promise<void> {
  const run = (args: string[], input?: string) =>
    tml(dir, [...remote, ...args], input !== undefined ? { input } : {});
  const file = join(dir, 'spec.yaml');
  writeFileSync(file, SPEC('sensors'));

  const created = await run(['solutions', 'create', file]);
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created solution 'sensors' \(running\); outputs: params → sensors-params/);

  const fromStdin = await run(['solutions', 'create', '-', '--json'], SPEC('piped'));
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.equal(JSON.parse(fromStdin.stdout).spec.automl.modelruns, 3);

  const duplicate = await run(['solutions', 'create', file]);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /^tml: .*sensors already exists/m);

  const invalid = await run(['solutions', 'create', '-'], SPEC('bad').replace('records: 50', 'records: 5'));
  assert.equal(invalid.code, 2, 'an invalid spec is a usage error: nothing created');
  assert.match(invalid.stderr, /window\.records/);

  // update in place, from a patch file on stdin; a patch that changes the variables is refused
  const updated = await run(
    ['solutions', 'update', 'piped', '-', '--json'],
    'retrain: { everySeconds: null, everyRecords: 20 }\n',
  );
  assert.equal(updated.code, 0, updated.stderr);
  const updatedView = JSON.parse(updated.stdout);
  assert.deepEqual(updatedView.spec.retrain, { everyRecords: 20 });
  assert.equal(updatedView.createdAt, JSON.parse(fromStdin.stdout).createdAt, 'the same incarnation');
  const refused = await run(
    ['solutions', 'update', 'piped', '-'],
    'independentVariables: [load]\ndependentVariable: temp\n',
  );
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /dependentVariable cannot change in place/);
  const badPatch = await run(['solutions', 'update', 'piped', '-'], 'window: { records: 5 }\n');
  assert.equal(badPatch.code, 2, 'an invalid patch is a usage error: nothing changed');
  assert.match(badPatch.stderr, /window\.records/);

  const list = await run(['solutions', 'list']);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.match(lines[0], /^NAME\s+STATE\s+CONDITION\s+RETRAINS\s+PREDICTIONS\s+CHAMPION\s+INPUTS$/);
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/\s+/)[0]),
    ['piped', 'sensors'],
  );
  assert.match(lines[2], /^sensors\s+running\s+.*temp,load$/);

  const described = await run(['solutions', 'describe', 'sensors']);
  assert.equal(described.code, 0, described.stderr);
  assert.match(described.stdout, /model:\s+load ~ temp/);
  assert.match(described.stdout, /window:\s+last 50 rows/);
  assert.match(described.stdout, /retrain:\s+every 10 s; modelruns 3/);

  const paused = await run(['solutions', 'pause', 'sensors']);
  assert.equal(paused.stdout, "solution 'sensors' is paused\n");
  const json = await run(['solutions', 'describe', 'sensors', '--json']);
  assert.equal(JSON.parse(json.stdout).state, 'paused');
  assert.equal((await run(['solutions', 'resume', 'sensors'])).stdout, "solution 'sensors' is running\n");

  const models = await run(['models', 'sensors']);
  assert.equal(models.code, 0, models.stderr);
  assert.match(models.stdout, /solution 'sensors': no model yet/);
  assert.match(models.stdout, /drift events: none/);
  const modelsJson = await run(['models', 'sensors', '--json', '--entity', 'truck-1', '--limit', '3']);
  assert.deepEqual(JSON.parse(modelsJson.stdout), {
    solution: 'sensors',
    entity: 'truck-1',
    history: [],
    drift: [],
  });

  const entities = await run(['solutions', 'entities', 'sensors', '--json']);
  assert.equal(entities.code, 0, entities.stderr);
  assert.deepEqual(JSON.parse(entities.stdout), []);

  const unknown = await run(['models', 'ghost']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no solution named ghost/);

  const deleted = await run(['solutions', 'delete', 'sensors']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const after = await run(['solutions', 'list', '--json']);
  assert.deepEqual(
    JSON.parse(after.stdout).map((s: { name: string }) => s.name),
    ['piped'],
  );
}

test('tml solutions and tml models on the local data directory', async (t) => {
  await roundTrip(dataDir(t), []);
});

test('tml solutions and tml models on a server (--server, --token-file)', async (t) => {
  const dir = dataDir(t);
  await roundTrip(dir, ['--server', server.url, '--token-file', tokenFile]);
  // the server holds them: the local data directory was not used
  const local = await tml(dir, ['solutions', 'list', '--json']);
  assert.deepEqual(JSON.parse(local.stdout), []);
  const token = (await readFile(tokenFile, 'utf8')).trim();
  const response = await fetch(`${server.url}/v1/solutions`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const listed = (await response.json()) as { solutions: Array<{ name: string }> };
  assert.deepEqual(
    listed.solutions.map((s) => s.name),
    ['piped'],
  );
});

test('tml solutions create takes steps; describe shows them; a bad step is a usage error', async (t) => {
  const dir = dataDir(t);
  const spec = [
    'name: queries',
    'inputs: []',
    'steps:',
    '  - kind: customJson',
    '    topic: raw',
    "    criteria: 'uid=d.id~subtopics=s.n~values=s.v'",
    '    statistics: [avg, max]',
    '    maxRows: 100',
    '    output: pre',
    '    form: streams',
    '  - kind: streamQuery',
    '    everySeconds: 5',
    '    topic: pre',
    '    streams: [V_preprocessed_Avg]',
    "    conditions: 'V_preprocessed_Avg > 3'",
    '    output: alerts',
  ].join('\n');
  const created = await tml(dir, ['solutions', 'create', '-'], { input: spec });
  assert.equal(created.code, 0, created.stderr);
  const described = await tml(dir, ['solutions', 'describe', 'queries']);
  assert.match(described.stdout, /model:\s+\(none: the solution only runs its steps\)/);
  assert.match(described.stdout, /step 0:\s+customJson every 60 s → pre/);
  assert.match(described.stdout, /step 1:\s+streamQuery every 5 s → alerts/);
  const bad = await tml(dir, ['solutions', 'create', '-'], {
    input: spec.replace('name: queries', 'name: bad').replace('maxRows: 100', 'maxRows: 0'),
  });
  assert.equal(bad.code, 2, 'an invalid step is a usage error: nothing created');
  assert.match(bad.stderr, /steps/);
});

test('tml solutions --help and tml models --help', async () => {
  const help = await tml(null, ['solutions', '--help']);
  assert.equal(help.code, 0);
  for (const sub of ['create', 'list', 'describe', 'pause', 'resume', 'entities', 'delete']) {
    assert.match(help.stdout, new RegExp(`^  ${sub}\\b`, 'm'));
  }
  const models = await tml(null, ['models', '--help']);
  assert.equal(models.code, 0);
  assert.match(models.stdout, /--entity <key>/);
  assert.match(models.stdout, /--limit <n>/);
});
