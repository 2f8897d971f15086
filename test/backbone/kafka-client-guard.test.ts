// The Kafka client as installed carries tml's guard in its read_committed filter
// (scripts/patch-kafka-client.mjs, run by `npm install`): without it an abort marker of a producer
// the broker's aborted-transactions list does not name throws inside the connection's response
// handler and ends the process (seen in test/solutions/kafka.workers.test.ts after a worker's
// transaction was aborted). This fails when the install step did not run or the client changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

test('the installed @platformatic/kafka skips abort markers of producers its fetch does not list', () => {
  let dir = dirname(fileURLToPath(import.meta.resolve('@platformatic/kafka')));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const source = readFileSync(join(dir, 'dist', 'clients', 'consumer', 'consumer.js'), 'utf8');
  assert.ok(
    !source.includes('abortedRanges.get(batch.producerId)[1] = batch.firstOffset;'),
    'the unguarded line is gone (run `npm install` or `node scripts/patch-kafka-client.mjs`)',
  );
  assert.match(source, /const range = abortedRanges\.get\(batch\.producerId\); if \(range !== undefined\)/);
});
