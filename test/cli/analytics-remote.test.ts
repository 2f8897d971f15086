// `tml --server URL analytics <step>`: through the SDK against a real tml server started in this
// process (port 0, temporary data directory); the CLI runs as a child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { dataDir, tml, type RunOptions } from './tml.js';

let server: RunningServer;
let serverDir: string;

before(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'tml-analytics-'));
  const config = loadConfig({}, { dataDir: serverDir });
  config.server.port = 0;
  server = await startServer(config, () => openBackbone({ dataDir: serverDir }), { logLevel: false });
});

after(async () => {
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
});

/** tml with the admin token; `dir` is a local data directory that must stay unused. */
function admin(dir: string, args: string[], options: RunOptions = {}) {
  return tml(dir, ['--server', server.url, '--token-file', join(serverDir, 'admin.tok'), ...args], options);
}

async function adminOk(dir: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await admin(dir, args, options);
  assert.equal(result.code, 0, `tml ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('analytics cluster goes to the server: k-means of two clear groups, as hand-worked', async (t) => {
  const dir = dataDir(t);
  await adminOk(dir, ['topics', 'create', 'machines']);
  await adminOk(dir, ['topics', 'create', 'groups']);
  const points = [
    [0, 0],
    [0, 1],
    [10, 10],
    [10, 11],
  ].map(([cpu, mem], i) => JSON.stringify({ id: `m${i}`, cpu, mem }));
  await adminOk(dir, ['produce', 'machines'], { input: points.join('\n') + '\n' });
  const args = ['analytics', 'cluster', 'machines', '--value-keys', 'cpu,mem', '--id-key', 'id'];
  const options = ['--clusters', '2', '--max-rows', '4', '--seed', '7', '--produce-to', 'groups'];
  const answer = JSON.parse(await adminOk(dir, ['--json', ...args, ...options])) as {
    produceTo: string;
    clusters: Array<{ size: number; centre: number[] }>;
    points: Array<{ id: string; cluster: number }>;
    inertia: number;
    recordsRead: number;
  };
  assert.equal(answer.produceTo, 'groups');
  assert.equal(answer.recordsRead, 4);
  // the groups' means are (0, 0.5) and (10, 10.5), each point 0.5 from its centre
  const centres = answer.clusters.map((c) => [c.size, ...c.centre]).sort((x, y) => x[1] - y[1]);
  assert.deepEqual(centres, [
    [2, 0, 0.5],
    [2, 10, 10.5],
  ]);
  const clusterOf = new Map(answer.points.map((p) => [p.id, p.cluster]));
  assert.equal(clusterOf.get('m0'), clusterOf.get('m1'));
  assert.equal(clusterOf.get('m2'), clusterOf.get('m3'));
  assert.notEqual(clusterOf.get('m0'), clusterOf.get('m2'));
  assert.equal(answer.inertia, 4 * 0.25);
  // the local data directory was not used
  const local = await tml(dir, ['topics', 'list']);
  assert.equal(local.stdout, '');

  const text = await adminOk(dir, [...args, ...options]);
  assert.match(text, /^CLUSTER +SIZE +CENTRE$/m);
  assert.match(text, /^\d +2 +10, 10\.5$/m);
  assert.match(text, /written to 'groups'/);
  assert.equal((await adminOk(dir, ['consume', 'groups'])).trim().split('\n').length, 2);
});

test('analytics with input the server refuses: its message names the field, nothing written', async (t) => {
  const dir = dataDir(t);
  await adminOk(dir, ['topics', 'create', 'fleet']);
  await adminOk(dir, ['topics', 'create', 'fleet-out']);
  await adminOk(dir, ['produce', 'fleet'], { input: '{"x":1}\n{"x":2}\n' });
  const args = [
    'analytics',
    'cluster',
    'fleet',
    '--value-keys',
    'x',
    '--max-rows',
    '2',
    '--produce-to',
    'fleet-out',
  ];
  // 0 clusters: the /v1 schema's bound, answered 400 by the server
  const zero = await admin(dir, [...args, '--clusters', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /^tml: parameter 'clusters' .*1/m);
  // no record has the value key: the core's error (HTTP 400), naming the field
  const missing = await admin(dir, [...args, '--clusters', '1', '--value-keys', 'y']);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(
    missing.stderr,
    /^tml: parameter 'clusters' needs 1 points .* gives 0 \(2 records read, 2 without a value/m,
  );
  // a topic the server does not have: HTTP 404, a failed call
  const unknown = await admin(dir, [
    'analytics',
    'cluster',
    'nope',
    '--value-keys',
    'x',
    '--max-rows',
    '2',
    '--clusters',
    '1',
    '--producer-id',
    'p',
  ]);
  assert.equal(unknown.code, 1, unknown.stderr);
  assert.match(unknown.stderr, /nope/);
  assert.equal(await adminOk(dir, ['consume', 'fleet-out']), '');
});
