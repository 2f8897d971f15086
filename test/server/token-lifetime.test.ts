// Tokens with a lifetime (issue 14, item 13): expiry with a message that says so, rotation (the
// operation, /v1 and `tml token rotate`), and the last-used time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { run } from '../../src/cli/program.js';
import { Authenticator, LAST_USED_RESOLUTION_MS } from '../../src/server/auth/authenticator.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { UnauthorizedError } from '../../src/server/errors.js';
import { MemoryCollection } from '../../src/server/store/collection.js';
import type { TokenRecord, TokenUsage } from '../../src/server/store/records.js';
import { startTestServer, viper } from './helpers.js';
import { eventually } from '../helpers/wait.js';

test('an expired token is refused with a message that says so; the last use is kept to the minute', async () => {
  const tokens = new MemoryCollection<TokenRecord>();
  const usage = new MemoryCollection<TokenUsage>();
  let now = Date.parse('2026-01-01T00:00:00Z');
  const { token, record } = generateToken('user', 'ci', new Date(now));
  record.expiresAt = '2026-01-01T01:00:00.000Z';
  await tokens.put(record.id, record);
  const auth = new Authenticator(tokens, { usage, now: () => now });
  assert.equal((await auth.authenticate(token)).role, 'user');
  assert.equal(usage.get(record.id)?.lastUsedAt, '2026-01-01T00:00:00.000Z');
  now += LAST_USED_RESOLUTION_MS - 1;
  await auth.authenticate(token);
  assert.equal(usage.get(record.id)?.lastUsedAt, '2026-01-01T00:00:00.000Z', 'not rewritten within a minute');
  now += 1;
  await auth.authenticate(token);
  assert.equal(usage.get(record.id)?.lastUsedAt, '2026-01-01T00:01:00.000Z');
  now = Date.parse(record.expiresAt);
  await assert.rejects(
    auth.authenticate(token),
    (e: unknown) =>
      e instanceof UnauthorizedError &&
      e.message ===
        `the token ${record.id} expired at 2026-01-01T01:00:00.000Z; ask an admin for a new one (tml token rotate)`,
  );
});

/** The fields these /v1 answers carry (token replies and problems). */
interface Reply {
  token: string;
  info: { id: string; role: string; label: string; createdAt: string; expiresAt: string };
  retired: { expiresAt: string };
  tokens: Array<{ id: string; lastUsedAt?: string }>;
  detail?: string;
}

test('/v1 and VIPER: lifetimes, rotation with and without grace, last use in the listing', async () => {
  const server = await startTestServer();
  const v1 = async (method: 'GET' | 'POST', url: string, token: string, payload?: object) => {
    const response = await server.app.inject({
      method,
      url: `/v1${url}`,
      headers: { authorization: `Bearer ${token}` },
      ...(payload ? { payload } : {}),
    });
    return { status: response.statusCode, body: response.json() as Reply };
  };
  try {
    const made = await v1('POST', '/tokens', server.admin, {
      role: 'user',
      label: 'etl',
      expiresInSeconds: 3600,
    });
    assert.equal(made.status, 201);
    const { token, info } = made.body as {
      token: string;
      info: { id: string; createdAt: string; expiresAt: string };
    };
    assert.equal(Date.parse(info.expiresAt) - Date.parse(info.createdAt), 3600_000);
    assert.equal(
      (await v1('POST', '/tokens', server.admin, { role: 'user', expiresInSeconds: 59 })).status,
      400,
    );

    // a use is listed: recorded by a write that does not hold up the request, so soon after it
    assert.equal((await v1('GET', '/topics', token)).status, 200);
    await eventually(async () => {
      const listed = (await v1('GET', '/tokens', server.admin)).body.tokens as Array<{
        id: string;
        lastUsedAt?: string;
      }>;
      assert.ok(listed.find((t) => t.id === info.id)?.lastUsedAt, 'lastUsedAt recorded');
    }, 5_000);

    // rotation with a grace period: both work until it ends, the lifetime carries over
    const graced = await v1('POST', `/tokens/${info.id}/rotate`, server.admin, { graceSeconds: 600 });
    assert.equal(graced.status, 201);
    assert.equal(graced.body.info.role, 'user');
    assert.equal(graced.body.info.label, 'etl');
    assert.equal(Date.parse(graced.body.info.expiresAt) - Date.parse(graced.body.info.createdAt), 3600_000);
    assert.ok(Date.parse(graced.body.retired.expiresAt) - Date.now() <= 600_000);
    assert.equal((await v1('GET', '/topics', token)).status, 200);
    assert.equal((await v1('GET', '/topics', graced.body.token)).status, 200);

    // rotation without grace: the old token stops at once
    const rotated = await v1('POST', `/tokens/${graced.body.info.id}/rotate`, server.admin, {});
    assert.equal((await v1('GET', '/topics', graced.body.token)).status, 401);
    assert.equal((await v1('GET', '/topics', rotated.body.token)).status, 200);
    assert.equal((await v1('POST', '/tokens/0000000000000000/rotate', server.admin, {})).status, 404);
    assert.equal((await v1('POST', `/tokens/${rotated.body.info.id}/rotate`, server.user, {})).status, 403);

    // an expired token, on both faces
    const old = generateToken('user', 'old', new Date(Date.now() - 7200_000));
    old.record.expiresAt = new Date(Date.now() - 3600_000).toISOString();
    await server.store.tokens.put(old.record.id, old.record);
    const refused = await v1('GET', '/topics', old.token);
    assert.equal(refused.status, 401);
    assert.match(String(refused.body.detail), new RegExp(`token ${old.record.id} expired at`));
    const viperRefused = await viper(server.app, 'listtopics', { vipertoken: old.token });
    assert.match(String(viperRefused.ERROR), /expired at .*ask an admin for a new one/);
  } finally {
    await server.close();
  }
});

async function tml(argv: string[], dataDir: string) {
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

test('tml token create --expires-in and tml token rotate', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-token-rotate-'));
  try {
    const created = await tml(['--json', 'token', 'create', '--role', 'user', '--expires-in', '2h'], dataDir);
    assert.equal(created.code, 0, created.stderr);
    const first = JSON.parse(created.stdout) as { id: string; createdAt: string; expiresAt: string };
    assert.equal(Date.parse(first.expiresAt) - Date.parse(first.createdAt), 7200_000);
    assert.equal((await tml(['token', 'create', '--role', 'user', '--expires-in', 'soon'], dataDir)).code, 2);
    const rotated = await tml(['token', 'rotate', first.id], dataDir);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout.trim(), /^tml_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.match(rotated.stderr, new RegExp(`replaces ${first.id}, which no longer works`));
    const listed = await tml(['token', 'list'], dataDir);
    assert.equal(listed.stdout.includes(first.id), false);
    assert.match(listed.stdout, /user\s+\S+\s+\d{4}-\d\d-\d\dT\S+Z/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
