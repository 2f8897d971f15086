import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBackbone } from '../../src/backbone/open.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/serve.js';

test('startServer: first start writes admin.tok (0600), serves VIPER and /v1, and closes gracefully', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-serve-'));
  try {
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    const server = await startServer(config, () => openBackbone({ dataDir }), { logLevel: false });
    assert.equal(server.adminTokenPath, join(dataDir, 'admin.tok'));
    assert.equal((await stat(server.adminTokenPath)).mode & 0o777, 0o600);
    const token = await readFile(server.adminTokenPath, 'utf8');
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);

    const created = await (await fetch(`${server.url}/createtopics?vipertoken=${token}&topic=served`)).json();
    assert.equal((created as { Topic: string }).Topic, 'served');
    const topics = await fetch(`${server.url}/v1/topics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(topics.status, 200);

    // A request in flight when close() is called still gets its answer.
    server.app.server.once('request', () => void server.close());
    const inFlight = await fetch(`${server.url}/listtopics?vipertoken=${token}`);
    assert.equal(inFlight.status, 200);
    assert.ok(Array.isArray(((await inFlight.json()) as { Topics: unknown[] }).Topics));
    await server.close();
    await assert.rejects(fetch(`${server.url}/healthz`));

    // The second start finds the admin token and writes no new one.
    const again = await startServer(config, () => openBackbone({ dataDir }), { logLevel: false });
    assert.equal(again.adminTokenPath, undefined);
    const listed = await fetch(`${again.url}/listtopics?vipertoken=${token}`);
    assert.ok(
      ((await listed.json()) as { Topics: { Topic: string }[] }).Topics.some((t) => t.Topic === 'served'),
    );
    await again.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('`tml serve` prints where it listens and the admin token path, logs no token, and stops on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-serve-cli-'));
  const here = fileURLToPath(import.meta.url);
  const compiled = here.includes(`${join('dist', 'test')}`);
  const root = join(here, compiled ? '../../../..' : '../../..');
  const args = compiled
    ? [join(root, 'dist/src/cli/main.js')]
    : ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  const child = spawn(process.execPath, [...args, '--data-dir', dataDir, 'serve', '--port', '0'], {
    cwd: root,
    env: { ...process.env, TML_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 'serving on' line; stderr: ${stderr}`)), 20000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const match = /serving on (http:\/\/\S+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    assert.match(stderr, /admin token written to .*admin\.tok/);
    const token = (await readFile(join(dataDir, 'admin.tok'), 'utf8')).trim();
    assert.equal((await fetch(`${url}/listtopics?vipertoken=${token}`)).status, 200);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal((await fetch(`${url}/metrics`)).status, 401, '/metrics needs a token by default');
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    assert.match(metrics, /process_cpu_user_seconds_total/);
    assert.match(metrics, /nodejs_version_info/);
    const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.match(stderr, /SIGTERM: finishing requests in flight/);
    // The logs went to stdout (pino); the token must not be in them, the request must be.
    assert.match(stdout, /listtopics\?vipertoken=\[REDACTED\]/);
    assert.equal(stdout.includes(token), false);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
