// Finding 8 of the hardening issue: private data files, /metrics that tells an attacker nothing
// by default, and no Infinity stored in a numeric stream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

test('the data directory is 0700 and every file in it 0600', async () => {
  await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'private' });
  assert.equal((await stat(server.dataDir)).mode & 0o777, 0o700);
  const files = await readdir(server.dataDir);
  assert.ok(files.includes('backbone.sqlite') && files.includes('backbone.sqlite-wal'), files.join(' '));
  for (const name of files) {
    assert.equal((await stat(join(server.dataDir, name))).mode & 0o777, 0o600, name);
  }
});

test('/metrics needs an admin token by default', async () => {
  assert.equal((await server.app.inject({ url: '/metrics' })).statusCode, 401);
  const user = await server.app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${server.user}` },
  });
  assert.equal(user.statusCode, 403);
  const admin = await server.app.inject({
    url: '/metrics',
    headers: { authorization: `Bearer ${server.admin}` },
  });
  assert.equal(admin.statusCode, 200);
  assert.match(admin.body, /outcome="UNAUTHORIZED"/);
});

test('public /metrics (metricsNeedToken false) shows no Node version and no auth-failure detail', async () => {
  const open = await startTestServer({ metricsNeedToken: false, processMetrics: true });
  try {
    await open.app.inject({ url: '/listtopics?vipertoken=nope' });
    await open.app.inject({ url: `/listtopics?vipertoken=${open.admin}` });
    const body = (await open.app.inject({ url: '/metrics' })).body;
    assert.match(body, /process_cpu_user_seconds_total/);
    assert.doesNotMatch(body, /nodejs_version_info|v\d+\.\d+\.\d+/);
    assert.doesNotMatch(body, /UNAUTHORIZED/);
    assert.match(body, /operation="listtopics",outcome="error"\} 1/);
    assert.match(body, /operation="listtopics",outcome="ok"\} 1/);
  } finally {
    await open.close();
  }
});

test('a value a numeric stream would read as Infinity is refused, never stored', async () => {
  const created = await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'numbers' });
  const producerid = String(created.ProducerId);
  const literals = ['infinity', '-INF', '+nan', ' Infinity ', 'NaN'];
  for (const value of ['1e309', '-1e309', '1' + '0'.repeat(400), '{"value":1e400}', ...literals]) {
    const body = await viper(server.app, 'producetotopic', {
      vipertoken: server.admin,
      topic: 'numbers',
      producerid,
      externalprediction: value,
    });
    assert.match(String(body.ERROR), /parameter 'externalprediction' must be a finite number or text/, value);
  }
  const ok = await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'numbers',
    producerid,
    externalprediction: '1e308',
  });
  assert.equal(ok.Offset, 0);
  // text that only starts like a literal is text, and stored
  const text = await viper(server.app, 'producetotopic', {
    vipertoken: server.admin,
    topic: 'numbers',
    producerid,
    externalprediction: 'information',
  });
  assert.equal(text.Offset, 1);
  // only the finite value and the text were stored
  assert.equal((await server.backbone.listOffsets('numbers'))[0].latest, 2);
});
