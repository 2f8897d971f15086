// The embedded backbone's default retention is Kafka's: a topic created without `retention.ms` keeps
// its records seven days (log.retention.hours = 168), not forever; compacted topics are not trimmed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';

const DAY = 86_400_000;

test('a topic without retention.ms keeps seven days of records, as on Kafka', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-retention-'));
  const backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
  try {
    await backbone.createTopic({ name: 'readings', partitions: 1 });
    await backbone.createTopic({ name: 'state', partitions: 1, config: { 'cleanup.policy': 'compact' } });
    assert.equal(Number((await backbone.describeTopic('readings')).config['retention.ms']), 7 * DAY);
    const now = Date.now();
    for (const topic of ['readings', 'state']) {
      await backbone.produce(topic, [
        { key: 'old', value: 'eight days old', timestamp: now - 8 * DAY },
        { key: 'older', value: 'seven days and an hour old', timestamp: now - 7 * DAY - 3_600_000 },
        { key: 'new', value: 'six days old', timestamp: now - 6 * DAY },
        { key: 'now', value: 'now', timestamp: now },
      ]);
    }
    backbone.runMaintenance();
    const [readings] = await backbone.listOffsets('readings');
    assert.equal(readings.earliest, 2, 'the two records older than seven days are gone');
    assert.equal(readings.latest, 4);
    const [state] = await backbone.listOffsets('state');
    assert.equal(state.earliest, 0, 'a compacted topic is not trimmed by time');
  } finally {
    await backbone.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
