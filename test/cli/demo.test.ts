import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const bin = new URL('../../../bin/tml.js', import.meta.url).pathname;

const dataDir = await mkdtemp(join(tmpdir(), 'tml-demo-'));
after(() => rm(dataDir, { recursive: true, force: true }));

test('tml demo (npm start) retrains, predicts and stops by itself with --duration', async () => {
  const { stdout, stderr } = await run(
    process.execPath,
    [bin, '--data-dir', dataDir, 'demo', '--duration', '6', '--retrain-every', '1000', '--port', '0'],
    { timeout: 60_000 },
  );
  assert.match(stderr, /retrain 1: champion v1 \w+ accuracy/);
  assert.match(
    stderr,
    /tml server on http:\/\/127\.0\.0\.1:\d+ \(VIPER API and \/v1\); admin token in .*admin\.tok/,
  );
  const summary = /(\d+) retrains, (\d+) champions, (\d+) predictions \(MAE ([\d.]+)\)/.exec(stdout);
  assert.ok(summary, stdout);
  assert.ok(Number(summary[1]) >= 2, 'at least two retrains in 6 s');
  assert.ok(Number(summary[3]) >= 3, 'predictions keep coming');
  assert.ok(Number(summary[4]) < 15, `predictions near the actual load, MAE ${summary[4]}`);

  const { stdout: topics } = await run(process.execPath, [bin, '--data-dir', dataDir, 'topics', 'list']);
  for (const topic of ['demo-load', 'demo-params', 'demo-predictions', 'demo-optimal', 'demo-anomalies']) {
    assert.match(topics, new RegExp(`^${topic}\\b`, 'm'));
  }
});

test('tml demo takes a free port when the default one is in use', async () => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const taken = (blocker.address() as { port: number }).port;
  try {
    const dir = await mkdtemp(join(tmpdir(), 'tml-demo-port-'));
    try {
      const { stderr } = await run(process.execPath, [bin, '--data-dir', dir, 'demo', '--duration', '2'], {
        timeout: 60_000,
        env: { ...process.env, TML_PORT: String(taken) },
      });
      assert.match(stderr, new RegExp(`port ${taken} is in use; the server takes a free port instead`));
      const url = /tml server on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      assert.ok(url && Number(url[1]) !== taken, stderr);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  } finally {
    blocker.close();
  }
});
