// Item 11 of the hardening issue: a real `tml serve` under 200 slow connections and 20 abusive
// clients (bench/abuse-load.ts) keeps answering /healthz, storing what it acknowledges and
// predicting. Only what does not depend on the machine's speed is asserted: every probe answered
// within 2 s, no 5xx, every abusive request refused, every acknowledged value stored, every
// prediction answered and right. The latency figures are the bench's (`npm run bench:abuse`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAbuse, type AbuseResult } from '../../bench/abuse-load.js';
import { startAbuseTarget } from '../../bench/abuse-target.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tml-abuse-test-'));
let started: Awaited<ReturnType<typeof startAbuseTarget>>;
let result: AbuseResult;

before(async () => {
  started = await startAbuseTarget(dataDir);
  result = await runAbuse(started.target, {
    quietSeconds: 1,
    seconds: 8,
    slowConnections: 200,
    abusers: 20,
    probeIntervalMs: 50,
    probeTimeoutMs: 2000,
    produceIntervalMs: 100,
    predictIntervalMs: 100,
  });
});
after(async () => {
  await started?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('every /healthz probe is answered within 2 s while the abuse runs, and nobody gets a 5xx', () => {
  assert.ok(result.abused.probes >= 4, `only ${result.abused.probes} probes ran`);
  assert.equal(result.abused.unanswered, 0, JSON.stringify(result.abused));
  assert.equal(result.serverErrors, 0);
  // the slow clients really held connections: the server accepted them (fewer than 256 per address)
  assert.equal(result.slow.heldAtEnd, 200);
});

test('every abusive request is refused, none carried out', async () => {
  assert.ok(result.abuseRequests >= 20, `only ${result.abuseRequests} abusive requests`);
  const allowed = new Set(['200 ERROR', '401', '413', '414', '429', '431', 'closed']);
  for (const [kind, answers] of Object.entries(result.abuse)) {
    for (const status of Object.keys(answers)) assert.ok(allowed.has(status), `${kind}: ${status}`);
  }
  // the tokenless createtopics never made its topic
  const listed = (await (
    await fetch(`${started.target.url}/v1/topics`, {
      headers: { authorization: `Bearer ${started.target.adminToken}` },
    })
  ).json()) as { topics: { topic: string }[] };
  assert.ok(!listed.topics.some((t) => t.topic === 'abuse'));
});

test('every produce is acknowledged and every acknowledged value stored', () => {
  assert.ok(result.produce.requests >= 4, JSON.stringify(result.produce));
  assert.equal(result.produce.ok, result.produce.requests);
  assert.equal(result.produce.acknowledged, 10 * result.produce.ok);
  assert.equal(result.produce.lost, 0);
  assert.equal(result.produce.stored, result.produce.acknowledged);
});

test('every prediction is answered, and right: y = 2·40 − 30 + 5 = 55', () => {
  assert.ok(result.predict.requests >= 4, JSON.stringify(result.predict));
  assert.equal(result.predict.ok, result.predict.requests);
  assert.ok(Math.abs((result.predict.last ?? NaN) - 55) < 1, String(result.predict.last));
});
