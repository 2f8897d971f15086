// HTTPS (issue 14, item 12): `tml serve --tls-cert --tls-key` with a certificate made here with
// openssl. Node reaches it when it trusts the certificate and is refused when it does not; maadstml
// reaches it over TLS without trusting anything, because it never verifies (ssl=False in aiohttp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureClient, hasPython, python, root } from './python-venv.js';

function get(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { ca }, (response) => {
      let body = '';
      response.on('data', (d: Buffer) => (body += d.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

test(
  'tml serve --tls-cert --tls-key serves HTTPS; maadstml reaches it over TLS',
  { timeout: 900_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tml-https-'));
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
      ].concat([
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]),
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, `openssl: ${made.stderr}`);
    const ca = await readFile(cert);
    const dataDir = join(dir, 'data');
    const child = spawn(
      process.execPath,
      [
        join(root, 'dist/src/cli/main.js'),
        '--data-dir',
        dataDir,
        'serve',
        '--port',
        '0',
        '--tls-cert',
        cert,
      ].concat(['--tls-key', key]),
      { cwd: root, env: { ...process.env, TML_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no 'serving on' line; stderr: ${stderr}`)), 30_000);
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          const match = /serving on (https:\/\/\S+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      const health = await get(`${url}/healthz`, ca);
      assert.equal(health.status, 200);
      const tokenFile = join(dataDir, 'admin.tok');
      const token = (await readFile(tokenFile, 'utf8')).trim();
      const topics = await get(`${url}/listtopics?vipertoken=${token}`, ca);
      assert.deepEqual(JSON.parse(topics.body), { Topics: [] });
      // plain HTTP on the same port gets no answer
      const port = new URL(url).port;
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
      // a client that does not trust the certificate is refused by its own check
      await assert.rejects(get(`${url}/healthz`, Buffer.from('')));

      if (!hasPython && process.env.CI !== 'true') return; // Node's side is checked; Python's needs python3
      ensureClient();
      const result = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          python,
          [join(root, 'test/python/viper_tls.py'), port, tokenFile],
          { encoding: 'utf8', timeout: 120_000 },
          (error, stdout, stderr) => resolve({ status: error ? 1 : 0, stdout, stderr }),
        );
      });
      assert.equal(result.status, 0, result.stderr);
      const answer = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as {
        created: string | null;
      };
      assert.ok(answer.created !== null, `maadstml got no answer over TLS: ${result.stdout}`);
      assert.equal((JSON.parse(answer.created) as { Topic: string }).Topic, 'over-tls');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    }
  },
);
