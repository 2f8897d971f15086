import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator, requireRole } from '../../src/server/auth/authenticator.js';
import { ensureAdminToken } from '../../src/server/auth/bootstrap.js';
import { generateToken, hashToken, tokenId, tokenMatches } from '../../src/server/auth/tokens.js';
import { ForbiddenError, UnauthorizedError } from '../../src/server/errors.js';
import { MemoryCollection } from '../../src/server/store/collection.js';
import type { TokenRecord } from '../../src/server/store/records.js';

test('a token is URL-safe, carries 32 random bytes, and only its SHA-256 is kept', () => {
  const { token, record } = generateToken('user', 'ci');
  assert.match(token, /^tml_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token.split('_').slice(2).join('_'), 'base64url').length, 32);
  assert.equal(record.hash, hashToken(token));
  assert.equal(JSON.stringify(record).includes(token), false);
  assert.equal(tokenId(token), record.id);
  assert.equal(tokenMatches(token, record), true);
  assert.equal(tokenMatches(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), record), false);
  assert.notEqual(generateToken('user').token, token);
});

test('the authenticator accepts stored tokens (trimmed), refuses the rest, and roles gate admin work', async () => {
  const tokens = new MemoryCollection<TokenRecord>();
  const admin = generateToken('admin');
  const user = generateToken('user');
  await tokens.put(admin.record.id, admin.record);
  await tokens.put(user.record.id, user.record);
  const auth = new Authenticator(tokens);
  assert.deepEqual(await auth.authenticate(admin.token + '\n'), { tokenId: admin.record.id, role: 'admin' });
  const principal = await auth.authenticate(user.token);
  assert.equal(principal.role, 'user');
  assert.throws(() => requireRole(principal, 'admin', 'createtopics'), ForbiddenError);
  await assert.rejects(auth.authenticate(undefined), UnauthorizedError);
  await assert.rejects(auth.authenticate('garbage'), UnauthorizedError);
  await assert.rejects(auth.authenticate(generateToken('admin').token), UnauthorizedError);
  // The right id with a wrong secret.
  await assert.rejects(auth.authenticate(`tml_${admin.record.id}_${'A'.repeat(43)}`), UnauthorizedError);
});

test('first start writes admin.tok with mode 0600 and never replaces an existing admin', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tml-tok-'));
  try {
    const tokens = new MemoryCollection<TokenRecord>();
    const path = await ensureAdminToken(tokens, dir);
    assert.equal(path, join(dir, 'admin.tok'));
    const token = await readFile(join(dir, 'admin.tok'), 'utf8');
    assert.equal((await stat(join(dir, 'admin.tok'))).mode & 0o777, 0o600);
    const [record] = tokens.values();
    assert.equal(record.role, 'admin');
    assert.equal(tokenMatches(token, record), true);
    assert.equal(await ensureAdminToken(tokens, dir), undefined);
    assert.equal(tokens.values().length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
