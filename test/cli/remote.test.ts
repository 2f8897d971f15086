// `tml --server URL --token T ...`: every command through the SDK against a real tml server started
// in this process (port 0, temporary data directory); the CLI runs as a child process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { dataDir, finished, killAfter, startTml, tml, waitForOutput, type RunOptions } from './tml.js';

let server: RunningServer;
let serverDir: string;
let tokenFile: string;
let adminToken: string;
let userToken: string;

before(async () => {
  serverDir = await mkdtemp(join(tmpdir(), 'tml-remote-'));
  const config = loadConfig({}, { dataDir: serverDir });
  config.server.port = 0;
  server = await startServer(config, () => openBackbone({ dataDir: serverDir }), { logLevel: false });
  tokenFile = join(serverDir, 'admin.tok');
  adminToken = (await readFile(tokenFile, 'utf8')).trim();
  const user = await tml(null, [
    'token',
    'create',
    '--role',
    'user',
    '--server',
    server.url,
    '--token',
    `@${tokenFile}`,
  ]);
  assert.equal(user.code, 0, user.stderr);
  userToken = user.stdout.trim();
});

after(async () => {
  await server.close();
  await rm(serverDir, { recursive: true, force: true });
});

/** tml with the admin token (from its file); `dir` is a local data directory that must stay unused. */
function admin(dir: string, args: string[], options: RunOptions = {}) {
  return tml(dir, ['--server', server.url, '--token-file', tokenFile, ...args], options);
}

/** The bulk produce calls the server has answered (its Prometheus counter). */
async function bulkCalls(): Promise<number> {
  const text = await (
    await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })
  ).text();
  const line = text
    .split('\n')
    .find((l) => /^tml_http_requests_total\{.*operation="produceBulk".*outcome="ok"/.test(l));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

async function adminOk(dir: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await admin(dir, args, options);
  assert.equal(result.code, 0, `tml ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

test('topics create, list, describe and delete go to the server', async (t) => {
  const dir = dataDir(t);
  const created = await admin(dir, ['topics', 'create', 'orders', '--partitions', '3']);
  assert.equal(created.code, 0, created.stderr);
  assert.equal(created.stdout, "created topic 'orders' (3 partitions)\n");
  assert.match(created.stderr, /the producer id of 'orders' is ProducerId-[A-Za-z0-9_-]{30}/);

  const again = await admin(dir, ['topics', 'create', 'orders']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr.trim().split('\n').at(-1), "tml: topic 'orders' already exists");
  const ensured = JSON.parse(
    await adminOk(dir, ['topics', 'create', 'orders', '--if-not-exists', '--json']),
  ) as {
    name: string;
    partitions: number;
    producerId: string;
    existed: boolean;
  };
  assert.deepEqual(
    { ...ensured, producerId: ensured.producerId.slice(0, 11) },
    { name: 'orders', partitions: 3, producerId: 'ProducerId-', existed: true },
  );

  const configured = await admin(dir, ['topics', 'create', 'c', '--config', 'retention.ms=1000']);
  assert.equal(configured.code, 2);
  assert.match(configured.stderr, /^tml: --config is not available with --server: /);

  await adminOk(dir, ['topics', 'create', 'other']);
  assert.equal(await adminOk(dir, ['topics', 'list']), 'orders\nother\n');
  assert.deepEqual(JSON.parse(await adminOk(dir, ['--json', 'topics', 'list'])), ['orders', 'other']);

  const described = await admin(dir, ['topics', 'describe', 'orders']);
  assert.equal(described.code, 2);
  assert.match(described.stderr, /`topics describe` is not available with --server: .*partition offsets/);

  assert.equal(await adminOk(dir, ['topics', 'delete', 'other']), "deleted topic 'other'\n");
  assert.equal(
    await adminOk(dir, ['topics', 'delete', 'other', '--if-exists']),
    "topic 'other' does not exist; nothing to do\n",
  );
  const missing = await admin(dir, ['topics', 'delete', 'other']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "tml: topic 'other' does not exist\n");
  assert.equal(await adminOk(dir, ['topics', 'list']), 'orders\n');
  assert.deepEqual(readdirSync(dir), [], 'the local data directory is never touched');
});

test('produce from arguments, stdin and files in bulk; consume prints them as locally', async (t) => {
  const dir = dataDir(t);
  await adminOk(dir, ['topics', 'create', 'readings', '--partitions', '2']);

  const args = await adminOk(dir, ['produce', 'readings', 'a', 'b', 'c']);
  assert.match(
    args,
    /^produced 3 records to 'readings' \(partition \d offsets? \d+(\.\.\d+)?.*\) in .*records\/s\n$/,
  );
  const callsBefore = await bulkCalls();
  const lines = Array.from({ length: 2500 }, (_, i) => String(i + 1)).join('\n') + '\n';
  const fromStdin = JSON.parse(
    await adminOk(dir, ['--json', 'produce', 'readings', '--batch-size', '1000'], { input: lines }),
  ) as { records: number; partitions: { partition: number; firstOffset: number; lastOffset: number }[] };
  assert.equal(fromStdin.records, 2500);
  assert.equal(
    fromStdin.partitions.reduce((sum, p) => sum + p.lastOffset - p.firstOffset + 1, 0),
    2500,
    'the summary covers every record once',
  );
  assert.equal((await bulkCalls()) - callsBefore, 3, '2,500 records in batches of 1,000: three bulk calls');
  const jsonl = join(dataDir(t), 'readings.jsonl'); // not in `dir`, which must stay empty
  writeFileSync(jsonl, '{"t": 21.5}\n{"t": 22}\n');
  assert.match(await adminOk(dir, ['produce', 'readings', '--file', jsonl]), /^produced 2 records/);

  const values = (await adminOk(dir, ['consume', 'readings'])).split('\n').filter(Boolean);
  assert.equal(values.length, 2505);
  const expected = ['a', 'b', 'c', ...lines.trim().split('\n'), '{"t": 21.5}', '{"t": 22}'];
  assert.deepEqual([...values].sort(), expected.sort());

  const records = (await adminOk(dir, ['consume', 'readings', '-p', '1', '-o', '5', '-n', '2', '--json']))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(records.length, 2);
  assert.deepEqual(Object.keys(records[0]), [
    'topic',
    'partition',
    'offset',
    'timestamp',
    'key',
    'value',
    'headers',
  ]);
  assert.deepEqual(
    records.map((r) => [r.topic, r.partition, r.offset, r.key, r.headers]),
    [
      ['readings', 1, 5, null, {}],
      ['readings', 1, 6, null, {}],
    ],
  );
  assert.equal(await adminOk(dir, ['consume', 'readings', '--offset', 'latest']), '');
  assert.equal((await adminOk(dir, ['consume', 'readings', '-n', '7'])).split('\n').length - 1, 7);

  // What the /v1 API cannot do is refused before anything is sent.
  const keyed = await admin(dir, ['produce', 'readings', '--key', 'k', 'x']);
  assert.equal(keyed.code, 2);
  assert.match(keyed.stderr, /^tml: --key is not available with --server: .*values only/);
  const timed = await admin(dir, ['consume', 'readings', '--from-timestamp', '0']);
  assert.equal(timed.code, 2);
  assert.match(timed.stderr, /^tml: --from-timestamp is not available with --server/);
  // The server's own validation (a value that is not finite) is a rejected request: exit 2.
  const nan = await admin(dir, ['produce', 'readings', 'NaN']);
  assert.equal(nan.code, 2);
  assert.match(nan.stderr, /^tml: .*finite.*'NaN'/);
  const unknown = await admin(dir, ['consume', 'nope']);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, "tml: topic 'nope' does not exist\n");
  assert.equal((await adminOk(dir, ['consume', 'readings'])).split('\n').length - 1, 2505, 'nothing added');
  assert.deepEqual(readdirSync(dir), []);
});

test('consume --follow polls for new records; --group continues where the group stopped', async (t) => {
  const dir = dataDir(t);
  await adminOk(dir, ['topics', 'create', 'live']);
  await adminOk(dir, ['produce', 'live', 'old']);
  const follower = killAfter(
    t,
    startTml(dir, ['--server', server.url, '--token', adminToken, 'consume', 'live', '--follow']),
  );
  const done = finished(follower);
  await waitForOutput(follower, (out) => out.includes('old'));
  await adminOk(dir, ['produce', 'live', 'new-1', 'new-2']);
  await waitForOutput(follower, (out) => out.includes('new-2'));
  follower.kill('SIGINT');
  const result = await done;
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, 'old\nnew-1\nnew-2\n');

  await adminOk(dir, ['produce', 'live', 'g1', 'g2', 'g3']);
  const first = await adminOk(dir, ['consume', 'live', '--group', 'billing', '-n', '2']);
  assert.equal(first, 'old\nnew-1\n');
  const second = await adminOk(dir, ['consume', 'live', '--group', 'billing']);
  assert.equal(second, 'new-2\ng1\ng2\ng3\n');
  assert.equal(await adminOk(dir, ['consume', 'live', '--group', 'billing']), '');
  const latest = await admin(dir, ['consume', 'live', '--group', 'b2', '--offset', 'latest']);
  assert.equal(latest.code, 2);
  assert.match(latest.stderr, /--group with --offset latest is not available with --server/);
});

test('tokens: from TML_SERVER/TML_TOKEN or @file; a bad token, a user token on admin work, no token', async (t) => {
  const dir = dataDir(t);
  const env = { TML_SERVER: server.url, TML_TOKEN: userToken };
  await adminOk(dir, ['topics', 'create', 'shared']);
  assert.equal(await adminOk(dir, ['topics', 'list']), (await tml(dir, ['topics', 'list'], { env })).stdout);

  const forbidden = await tml(dir, ['topics', 'create', 'mine'], { env });
  assert.equal(forbidden.code, 1);
  assert.equal(
    forbidden.stderr,
    "tml: forbidden by the server: 'createtopics' needs an admin token (HTTP 403)\n",
  );
  // A user token does not see producer ids: it needs one given.
  const noId = await tml(dir, ['produce', 'shared', 'x'], { env });
  assert.equal(noId.code, 2);
  assert.match(noId.stderr, /needs its producer id: use an admin token, or give --producer-id/);
  const { producerId } = JSON.parse(
    await adminOk(dir, ['--json', 'topics', 'create', 'shared', '--if-not-exists']),
  ) as { producerId: string };
  assert.match(
    (await tml(dir, ['produce', 'shared', 'x', '--producer-id', producerId], { env })).stdout,
    /^produced 1 record to 'shared'/,
  );
  assert.equal((await tml(dir, ['consume', 'shared'], { env })).stdout, 'x\n');
  const localId = await tml(dataDir(t), ['produce', 'shared', 'x', '--producer-id', producerId]);
  assert.equal(localId.code, 2);
  assert.match(localId.stderr, /--producer-id applies to a server/);

  const wrong = await tml(dir, [
    'topics',
    'list',
    '--server',
    server.url,
    '--token',
    'tml_0123456789abcdef_nope',
  ]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, 'tml: the server refused the token: the token is not valid (HTTP 401)\n');
  const fromFile = await tml(dir, ['topics', 'list', '--token', `@${tokenFile}`], {
    env: { TML_SERVER: server.url },
  });
  assert.equal(fromFile.code, 0, fromFile.stderr);
  assert.match(fromFile.stdout, /^shared$/m);
  const none = await tml(dir, ['topics', 'list', '--server', server.url]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^tml: --server needs --token/);
  const missingFile = await tml(dir, [
    'topics',
    'list',
    '--server',
    server.url,
    '--token-file',
    join(dir, 'nope.tok'),
  ]);
  assert.equal(missingFile.code, 2);
  assert.match(missingFile.stderr, /--token-file .*nope\.tok: no such file/);
  const serve = await tml(dir, ['serve', '--port', '0'], { env });
  assert.equal(serve.code, 2);
  assert.equal(
    serve.stderr,
    'tml: tml serve works on the local data directory; --server does not apply to it\n',
  );
  assert.deepEqual(readdirSync(dir), []);
});

test('an unreachable server is a clear error, at once', async (t) => {
  const dir = dataDir(t);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const address = closed.address();
  assert.ok(address !== null && typeof address === 'object');
  await new Promise((resolve) => closed.close(resolve));
  const url = `http://127.0.0.1:${address.port}`;
  const started = Date.now();
  const result = await tml(dir, ['topics', 'list', '--server', url, '--token', adminToken]);
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `tml: cannot reach the tml server at ${url}/v1: connection refused (is \`tml serve\` running there?)\n`,
  );
  assert.ok(Date.now() - started < 10_000);

  // A server that accepts the connection and never answers: the request gives up in time.
  const silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => silent.close());
  const silentAddress = silent.address();
  assert.ok(silentAddress !== null && typeof silentAddress === 'object');
  const silentUrl = `http://127.0.0.1:${silentAddress.port}`;
  const waited = Date.now();
  const hung = await tml(dir, ['topics', 'list', '--server', silentUrl, '--token', adminToken], {
    env: { TML_SERVER_TIMEOUT_MS: '500' },
  });
  assert.equal(hung.code, 1);
  assert.equal(hung.stderr, `tml: cannot reach the tml server at ${silentUrl}: no answer within 0.5 s\n`);
  assert.ok(Date.now() - waited < 10_000);

  const notTml = await tml(dir, [
    'topics',
    'list',
    '--server',
    `${server.url}/elsewhere`,
    '--token',
    adminToken,
  ]);
  assert.equal(notTml.code, 1);
  assert.match(notTml.stderr, /^tml: .*elsewhere.*: is --server the address of a tml server\?\n$/);
});
