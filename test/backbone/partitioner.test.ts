import { test } from 'node:test';
import assert from 'node:assert/strict';
import { murmur2, partitionForKey } from '../../src/backbone/partitioner.js';

// Expected values from Kafka's own UtilsTest.testMurmur2.
const KAFKA_CASES: Array<[Uint8Array, number]> = [
  [Buffer.from('21'), -973932308],
  [Buffer.from('foobar'), -790332482],
  [Buffer.from('a-little-bit-long-string'), -985981536],
  [Buffer.from('a-little-bit-longer-string'), -1486304829],
  [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
  [Buffer.from('abc'), 479470107],
];

test('murmur2 matches Kafka for its reference inputs', () => {
  for (const [bytes, expected] of KAFKA_CASES) {
    assert.equal(murmur2(bytes), expected, Buffer.from(bytes).toString());
  }
});

test('partitionForKey is stable and within range', () => {
  for (let i = 0; i < 1000; i++) {
    const p = partitionForKey(Buffer.from(`key-${i}`), 7);
    assert.ok(p >= 0 && p < 7);
    assert.equal(p, partitionForKey(Buffer.from(`key-${i}`), 7));
  }
});
