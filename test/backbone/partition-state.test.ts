// The embedded backbone's long-poll waiters: a wait leaves nothing registered however it ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTopicState, waitForAppend, wakeAll } from '../../src/backbone/embedded/partition-state.js';

const partition = () => newTopicState('t', 1, 1, {}, 1024).partitions[0];

test('a long poll that times out leaves no waiter on the partition or the wakers', async () => {
  const p = partition();
  const wakers = new Set<() => void>();
  for (let i = 0; i < 3; i++) await waitForAppend([p], 1, undefined, wakers);
  assert.equal(p.waiters.size, 0);
  assert.equal(wakers.size, 0);
});

test('a long poll woken by an append or aborted leaves no waiter', async () => {
  const p = partition();
  const woken = waitForAppend([p], 60_000);
  assert.equal(p.waiters.size, 1);
  wakeAll(p);
  await woken;
  assert.equal(p.waiters.size, 0);
  const controller = new AbortController();
  const aborted = waitForAppend([p], 60_000, controller.signal);
  controller.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  assert.equal(p.waiters.size, 0);
});
