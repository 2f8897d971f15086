import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/program.js';
import { openBackbone } from '../../src/backbone/open.js';
import { Authenticator } from '../../src/server/auth/authenticator.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';

async function tml(
  argv: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await run(['--data-dir', dataDir, ...argv], {
    stdin: new PassThrough(),
    stdout,
    stderr,
    env: {},
  });
  return { code, stdout: out, stderr: err };
}

test('tml token create/list/revoke manage tokens the server accepts', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-token-cli-'));
  try {
    const admin = await tml(['token', 'create', '--role', 'admin', '--label', 'ops'], dataDir);
    assert.equal(admin.code, 0, admin.stderr);
    const adminToken = admin.stdout.trim();
    assert.match(adminToken, /^tml_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(admin.stderr, /admin token [0-9a-f]{16} created; it is shown only this once/);
    const user = await tml(['--json', 'token', 'create', '--role', 'user'], dataDir);
    const userInfo = JSON.parse(user.stdout) as { token: string; id: string; role: string };
    assert.equal(userInfo.role, 'user');

    const listed = await tml(['token', 'list'], dataDir);
    assert.match(listed.stdout, /^ID\s+ROLE\s+CREATED\s+EXPIRES\s+LAST USED\s+LABEL/);
    assert.match(listed.stdout, /admin .* ops/);
    assert.equal(listed.stdout.includes(adminToken), false, 'tokens are never listed');

    const backbone = await openBackbone({ dataDir });
    try {
      const auth = new Authenticator((await openServerStore(backbone)).tokens);
      assert.equal((await auth.authenticate(adminToken)).role, 'admin');
      assert.equal((await auth.authenticate(userInfo.token)).role, 'user');
    } finally {
      await backbone.close();
    }

    assert.equal((await tml(['token', 'revoke', userInfo.id], dataDir)).code, 0);
    const adminId = adminToken.split('_')[1];
    const last = await tml(['token', 'revoke', adminId], dataDir);
    assert.equal(last.code, 1);
    assert.match(last.stderr, /the last admin token cannot be revoked/);
    const bad = await tml(['token', 'create', '--role', 'root'], dataDir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /expected 'admin' or 'user'/);
    const unknown = await tml(['token', 'revoke', 'nope'], dataDir);
    assert.match(unknown.stderr, /token 'nope' does not exist/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('tml token works against a running server with --server and --token', async () => {
  const { startTestServer } = await import('./helpers.js');
  const server = await startTestServer();
  try {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const address = server.app.server.address();
    assert.ok(address !== null && typeof address === 'object');
    const url = `http://127.0.0.1:${address.port}`;
    const unused = join(server.dataDir, 'unused');
    const created = await tml(
      ['token', 'create', '--role', 'user', '--server', url, '--token', server.admin],
      unused,
    );
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const auth = new Authenticator(server.store.tokens);
    assert.equal((await auth.authenticate(token)).role, 'user');
    const listed = await tml(['--json', 'token', 'list', '--server', url, '--token', server.admin], unused);
    assert.ok((JSON.parse(listed.stdout) as { role: string }[]).some((t) => t.role === 'user'));
    const refused = await tml(['token', 'list', '--server', url, '--token', token], unused);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /needs an admin token/);
    const noToken = await tml(['token', 'list', '--server', url], unused);
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /--server needs --token/);
  } finally {
    await server.close();
  }
});
