import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataDir, ok, tml } from './tml.js';

test('topics create, list, describe and delete', async (t) => {
  const dir = dataDir(t);
  assert.equal(await ok(dir, ['topics', 'list']), '');

  const created = await ok(dir, ['topics', 'create', 'orders', '--partitions', '3']);
  assert.equal(created, "created topic 'orders' (3 partitions, replication factor 1)\n");
  await ok(dir, ['topics', 'create', 'alerts']);

  assert.equal(await ok(dir, ['topics', 'list']), 'alerts\norders\n');
  assert.deepEqual(JSON.parse(await ok(dir, ['topics', 'list', '--json'])), ['alerts', 'orders']);
  // The global option is accepted before the command as well.
  assert.deepEqual(JSON.parse(await ok(dir, ['--json', 'topics', 'list'])), ['alerts', 'orders']);

  const text = await ok(dir, ['topics', 'describe', 'orders']);
  assert.match(text, /^topic: +orders$/m);
  assert.match(text, /^partitions: +3$/m);
  assert.match(text, /^PARTITION +EARLIEST +LATEST +RECORDS$/m);
  assert.match(text, /^2 +0 +0 +0$/m);

  assert.equal(await ok(dir, ['topics', 'delete', 'alerts']), "deleted topic 'alerts'\n");
  assert.equal(await ok(dir, ['topics', 'list']), 'orders\n');
});

test('topics create with config; describe shows it and the offsets', async (t) => {
  const dir = dataDir(t);
  await ok(dir, [
    'topics',
    'create',
    'prices',
    '-p',
    '2',
    '--config',
    'cleanup.policy=compact',
    '--config',
    'retention.ms=86400000',
    '-c',
    'max.message.bytes=2048',
  ]);
  await ok(dir, ['produce', 'prices', '--partition', '1', '--key', 'k', 'a', 'b', 'c']);
  const description = JSON.parse(await ok(dir, ['topics', 'describe', 'prices', '--json']));
  assert.equal(description.name, 'prices');
  assert.equal(description.replicationFactor, 1);
  assert.deepEqual(description.partitions, [
    { partition: 0, earliestOffset: 0, latestOffset: 0 },
    { partition: 1, earliestOffset: 0, latestOffset: 3 },
  ]);
  assert.equal(description.config['cleanup.policy'], 'compact');
  assert.equal(description.config['retention.ms'], 86400000);
  assert.equal(description.config['max.message.bytes'], 2048);

  const text = await ok(dir, ['topics', 'describe', 'prices']);
  assert.match(text, /cleanup\.policy=compact/);
  assert.match(text, /^1 +0 +3 +3$/m);
});

test('topics create --json prints the description; --if-not-exists and --if-exists', async (t) => {
  const dir = dataDir(t);
  const created = JSON.parse(await ok(dir, ['topics', 'create', 'a', '--partitions', '2', '--json']));
  assert.equal(created.partitions.length, 2);

  const again = await tml(dir, ['topics', 'create', 'a']);
  assert.equal(again.code, 1);
  assert.equal(again.stderr, "tml: topic 'a' already exists\n");
  await ok(dir, ['topics', 'create', 'a', '--if-not-exists']);

  const missing = await tml(dir, ['topics', 'delete', 'b']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^tml: topic 'b' does not exist/);
  assert.match(await ok(dir, ['topics', 'delete', 'b', '--if-exists']), /does not exist; nothing to do/);
  assert.deepEqual(JSON.parse(await ok(dir, ['topics', 'delete', 'a', '--json'])), {
    topic: 'a',
    deleted: true,
  });
});

test('the data directory comes from --data-dir, else TML_DATA_DIR', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'from-flag']);
  const viaEnv = await tml(null, ['topics', 'list'], { env: { TML_DATA_DIR: dir } });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.equal(viaEnv.stdout, 'from-flag\n');
});

test('topics alter --partitions grows a topic; fewer partitions are refused', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'orders', '--partitions', '2']);
  await ok(dir, ['produce', 'orders', '--partition', '1', 'a', 'b']);
  assert.equal(
    await ok(dir, ['topics', 'alter', 'orders', '--partitions', '5']),
    "topic 'orders' now has 5 partitions (3 added)\n",
  );
  const description = JSON.parse(await ok(dir, ['topics', 'describe', 'orders', '--json']));
  assert.deepEqual(
    description.partitions.map((p: { latestOffset: number }) => p.latestOffset),
    [0, 2, 0, 0, 0],
  );
  assert.deepEqual(JSON.parse(await ok(dir, ['topics', 'alter', 'orders', '-p', '5', '--json'])), {
    topic: 'orders',
    partitions: 5,
    added: 0,
  });
  const refused = await tml(dir, ['topics', 'alter', 'orders', '--partitions', '3']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /never removed/);
  assert.equal(JSON.parse(await ok(dir, ['topics', 'describe', 'orders', '--json'])).partitions.length, 5);
});
