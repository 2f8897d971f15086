// The limits docs/security.md lists that no other test enforced: the request body and headers,
// values per bulk call, records per poll, the lifetime of a token, the length of a path segment, the
// number of open connections in all, the time a whole request may take to arrive, and the addresses
// the failed-authentication limit remembers. Each past its limit is refused by name (or closed),
// stores nothing, and the server keeps serving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { FailureLimiter, TooManyFailuresError } from '../../src/server/auth/failure-limit.js';
import { MAX_BULK_VALUES } from '../../src/server/operations/produce.js';
import { MAX_TOKEN_SECONDS } from '../../src/server/operations/tokens.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let producerId = '';
before(async () => {
  server = await startTestServer();
  const created = await send('POST', '/v1/topics', { topic: 'limits' });
  producerId = String(created.body.producerId);
});
after(async () => {
  await server.close();
});

async function send(method: 'GET' | 'POST', url: string, body?: unknown) {
  const r = await server.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${server.admin}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: r.statusCode, body: JSON.parse(r.body) as Record<string, unknown> };
}

async function stored(): Promise<number> {
  const [{ latest }] = await server.backbone.listOffsets('limits');
  return latest;
}

test('a request body over 3 × max.message.bytes + 64 KiB is refused with 413, nothing stored', async () => {
  const limit = 3 * 1024 * 1024 + 64 * 1024; // the default max.message.bytes, 1 MiB
  const values = JSON.stringify('x'.repeat(1000));
  const body = (n: number) => `{"producerId":"${producerId}","values":[${Array(n).fill(values).join(',')}]}`;
  const over = body(Math.ceil(limit / 1003) + 1);
  assert.ok(over.length > limit);
  const r = await send('POST', '/v1/topics/limits/records/bulk', over);
  assert.equal(r.status, 413, JSON.stringify(r.body));
  assert.equal(await stored(), 0);
  // just under it is read (and stored: each value is far below the record limit)
  const under = body(Math.floor((limit - 100) / 1003));
  assert.ok(under.length <= limit);
  assert.equal((await send('POST', '/v1/topics/limits/records/bulk', under)).status, 201);
  assert.equal(await stored(), Math.floor((limit - 100) / 1003));
});

test(`a bulk call takes at most ${MAX_BULK_VALUES} values, on /v1 and on VIPER`, async () => {
  assert.equal(MAX_BULK_VALUES, 100_000);
  const before = await stored();
  const r = await send('POST', '/v1/topics/limits/records/bulk', {
    producerId,
    values: Array(MAX_BULK_VALUES + 1).fill(1),
  });
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body), /values.*less or equal to 100000/);
  const viper = await server.app.inject({
    method: 'GET',
    url:
      `/producetotopicbulk?vipertoken=${server.admin}&topic=limits&producerid=${producerId}` +
      `&externalprediction=${Array(MAX_BULK_VALUES + 1)
        .fill(1)
        .join(',')}`,
  });
  assert.match(String(viper.json().ERROR), /the most one call takes is 100000/);
  assert.equal(await stored(), before);
});

test('a poll returns at most 1,000 records a call: maxRecords above it is refused by name', async () => {
  const consumer = await send('POST', '/v1/consumers', { topic: 'limits' });
  const path = `/v1/consumers/${String(consumer.body.consumerId)}/poll`;
  const r = await send('POST', path, { offset: 0, maxRecords: 1001 });
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.match(JSON.stringify(r.body), /maxRecords/);
  const page = await send('POST', path, { offset: 0, maxRecords: 1000 });
  assert.equal(page.status, 200);
  assert.equal((page.body.records as unknown[]).length, 1000);
});

test('a token lives at most ten years, at least a minute; a grace period at most ten years', async () => {
  assert.equal(MAX_TOKEN_SECONDS, 315_360_000);
  for (const expiresInSeconds of [MAX_TOKEN_SECONDS + 1, 59]) {
    const r = await send('POST', '/v1/tokens', { role: 'user', expiresInSeconds });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), /expiresInSeconds/);
  }
  const made = await send('POST', '/v1/tokens', { role: 'user', expiresInSeconds: MAX_TOKEN_SECONDS });
  assert.equal(made.status, 201);
  const id = (made.body.info as { id: string }).id;
  const rotate = await send('POST', `/v1/tokens/${id}/rotate`, { graceSeconds: MAX_TOKEN_SECONDS + 1 });
  assert.equal(rotate.status, 400, JSON.stringify(rotate.body));
  assert.match(JSON.stringify(rotate.body), /graceSeconds/);
});

test('a path segment of 256 characters reaches its route; a longer one is not found', async () => {
  const reached = await send('POST', `/v1/topics/${'a'.repeat(256)}/records`, { producerId, value: 1 });
  assert.equal(reached.status, 400, JSON.stringify(reached.body)); // the route checks the topic name
  assert.match(JSON.stringify(reached.body), /topic/);
  const longer = await send('POST', `/v1/topics/${'a'.repeat(257)}/records`, { producerId, value: 1 });
  assert.equal(longer.status, 404, JSON.stringify(longer.body));
});

/** A listening server with the given options; its port. */
async function listening(options: Parameters<typeof startTestServer>[0]) {
  const limited = await startTestServer(options);
  await limited.app.listen({ host: '127.0.0.1', port: 0 });
  const address = limited.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { limited, port: address.port };
}

function opened(port: number) {
  const socket = connect({ host: '127.0.0.1', port });
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(answer)));
  const ready = new Promise((resolve) => socket.once('connect', resolve));
  return { socket, closed, ready };
}

test('past the cap on open connections in all, a new connection is closed at once', async () => {
  const { limited, port } = await listening({ connections: { maxConnections: 3 } });
  const held = Array.from({ length: 3 }, () => opened(port));
  try {
    await Promise.all(held.map((h) => h.ready));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fourth = opened(port);
    fourth.socket.write('GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.equal(await fourth.closed, '', 'closed without an answer');
    for (const h of held) h.socket.destroy();
    await Promise.all(held.map((h) => h.closed));
    // the cap counts open connections: once they close, the server answers again
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  } finally {
    for (const h of held) h.socket.destroy();
    await limited.close();
  }
});

test('a request whose body does not arrive within the request timeout gets 408', async () => {
  const { limited, port } = await listening({
    connections: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 },
  });
  const slow = opened(port);
  const drip = setInterval(() => slow.socket.write('1'), 200);
  try {
    await slow.ready;
    const started = Date.now();
    slow.socket.write(
      `POST /v1/topics/limits/records HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ${limited.admin}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
    );
    const answer = await slow.closed;
    assert.match(answer, /^HTTP\/1\.1 408/);
    const took = Date.now() - started;
    // the timeout is checked every second: closed between 2 and (generously) 10 s
    assert.ok(took >= 1900 && took < 10_000, `closed after ${took} ms`);
  } finally {
    clearInterval(drip);
    slow.socket.destroy();
    await limited.close();
  }
});

test('request headers, the URL included, over 3 × max.message.bytes + 64 KiB get 431', async () => {
  const maxMessageBytes = 8192;
  const { limited, port } = await listening({ maxMessageBytes });
  try {
    const limit = 3 * maxMessageBytes + 64 * 1024;
    const url = (chars: number) =>
      `http://127.0.0.1:${port}/producetotopicbulk?vipertoken=${limited.admin}&topic=none&externalprediction=` +
      '1'.repeat(chars);
    assert.equal((await fetch(url(limit + 10))).status, 431);
    // under it, the request reaches VIPER's parameter check (the value is over the record limit)
    const under = await fetch(url(limit - 2000));
    assert.equal(under.status, 200);
    assert.match(String(((await under.json()) as { ERROR?: string }).ERROR), /externalprediction/);
  } finally {
    await limited.close();
  }
});

test('the failed-authentication limit remembers at most 10,000 addresses, forgetting the oldest', () => {
  const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 60_000 }, () => 0);
  limiter.failed('10.0.0.1');
  assert.throws(() => limiter.check('10.0.0.1'), TooManyFailuresError);
  for (let i = 0; i < 9_999; i++) limiter.failed(`10.1.${i >> 8}.${i & 255}`);
  assert.throws(() => limiter.check('10.0.0.1'), TooManyFailuresError, 'still one of 10,000');
  limiter.failed('10.2.0.0');
  limiter.check('10.0.0.1'); // forgotten: the 10,001st address pushed it out
  assert.throws(() => limiter.check('10.2.0.0'), TooManyFailuresError);
});
