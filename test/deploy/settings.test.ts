// The settings a container is configured by (environment only): an admin token from the environment
// or a mounted file, bad values refused with the variable named, and brokers that are not up yet
// waited for with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import { BrokerUnreachableError } from '../../src/backbone/errors.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { Authenticator } from '../../src/server/auth/authenticator.js';
import { checkAdminToken, ensureAdminToken } from '../../src/server/auth/bootstrap.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { MemoryCollection } from '../../src/server/store/collection.js';
import type { TokenRecord } from '../../src/server/store/records.js';

const refused = (variable: string) => (e: unknown) =>
  e instanceof ConfigError && e.message.startsWith(variable) && !e.message.includes('\n');

test('the admin token comes from TML_ADMIN_TOKEN or the file TML_ADMIN_TOKEN_FILE, never both', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tml-admin-env-'));
  try {
    const { token } = generateToken('admin');
    assert.equal(loadConfig({ TML_ADMIN_TOKEN: token }).adminToken, token);
    await writeFile(join(dir, 'admin-token'), token + '\n');
    assert.equal(loadConfig({ TML_ADMIN_TOKEN_FILE: join(dir, 'admin-token') }).adminToken, token);
    assert.equal(loadConfig({}).adminToken, undefined);
    assert.throws(
      () => loadConfig({ TML_ADMIN_TOKEN: token, TML_ADMIN_TOKEN_FILE: join(dir, 'admin-token') }),
      /TML_ADMIN_TOKEN and TML_ADMIN_TOKEN_FILE are both set/,
    );
    assert.throws(
      () => loadConfig({ TML_ADMIN_TOKEN_FILE: join(dir, 'missing') }),
      refused('TML_ADMIN_TOKEN_FILE'),
    );
    await writeFile(join(dir, 'empty'), '\n');
    assert.throws(() => loadConfig({ TML_ADMIN_TOKEN_FILE: join(dir, 'empty') }), /is empty/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a token handed in is stored once as an admin (no admin.tok written) and authenticates', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tml-admin-given-'));
  try {
    const tokens = new MemoryCollection<TokenRecord>();
    const { token } = generateToken('admin');
    assert.equal(await ensureAdminToken(tokens, dir, token), undefined);
    assert.equal(existsSync(join(dir, 'admin.tok')), false);
    assert.equal(await ensureAdminToken(tokens, dir, token), undefined);
    assert.equal(tokens.values().length, 1);
    assert.equal(tokens.values()[0].role, 'admin');
    assert.equal(JSON.stringify(tokens.values()).includes(token), false);
    const principal = await new Authenticator(tokens).authenticate(token);
    assert.equal(principal.role, 'admin');
    assert.throws(() => checkAdminToken('not-a-token'), refused('TML_ADMIN_TOKEN'));
    await assert.rejects(ensureAdminToken(tokens, dir, 'tml_short_x'), refused('TML_ADMIN_TOKEN'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('malformed settings name their variable', () => {
  assert.throws(() => loadConfig({ TML_KAFKA_BROKERS: 'kafka' }), refused('TML_KAFKA_BROKERS'));
  assert.throws(() => loadConfig({ TML_KAFKA_BROKERS: 'a:9092,b:port' }), refused('TML_KAFKA_BROKERS'));
  assert.deepEqual(loadConfig({ TML_KAFKA_BROKERS: 'a:9092,[::1]:9093' }).kafka?.brokers, [
    'a:9092',
    '[::1]:9093',
  ]);
  assert.throws(() => loadConfig({ TML_LOG_LEVEL: 'loud' }), refused('TML_LOG_LEVEL'));
  assert.equal(loadConfig({ TML_LOG_LEVEL: 'warn' }).logLevel, 'warn');
  assert.throws(() => loadConfig({ TML_KAFKA_WAIT_MS: 'soon' }), refused('TML_KAFKA_WAIT_MS'));
  assert.equal(loadConfig({}).kafkaWaitMs, 0);
  assert.equal(loadConfig({ TML_KAFKA_WAIT_MS: '60000' }).kafkaWaitMs, 60_000);
});

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('brokers that cannot be reached are tried again with growing delays until the wait is over', async () => {
  const port = await closedPort();
  const lines: string[] = [];
  const started = Date.now();
  await assert.rejects(
    openBackbone({
      dataDir: tmpdir(),
      kafka: { brokers: [`127.0.0.1:${port}`], clientId: 'tml-wait-test', tls: false },
      waitForBrokersMs: 3_000,
      onWaiting: (line) => lines.push(line),
    }),
    BrokerUnreachableError,
  );
  // each failed try is named, and the delays double from 500 ms; how many fit in the wait depends
  // on how long the client takes to give up on each try
  assert.ok(lines.length >= 1, 'at least one retry');
  assert.match(
    lines[0],
    /waiting for the Kafka brokers 127\.0\.0\.1:\d+ \(try 1: .*did not answer.*\); next try in 500 ms/,
  );
  lines.forEach((line, i) =>
    assert.match(line, new RegExp(`\\(try ${i + 1}: .*next try in ${500 * 2 ** i} ms$`)),
  );
  assert.ok(Date.now() - started >= 500);
  // no wait asked: the first failure is final
  lines.length = 0;
  await assert.rejects(
    openBackbone({
      dataDir: tmpdir(),
      kafka: { brokers: [`127.0.0.1:${port}`], clientId: 'tml-wait-test', tls: false },
      onWaiting: (line) => lines.push(line),
    }),
    BrokerUnreachableError,
  );
  assert.equal(lines.length, 0);
});
