// Finding 6 of the hardening issue: slow-header clients cannot hold the server. Each must send its
// headers within the header timeout (checked every second), one address holds at most 256
// connections, and /healthz keeps answering everyone else meanwhile.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { DEFAULT_CONNECTION_LIMITS } from '../../src/server/limits.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let port = 0;
before(async () => {
  server = await startTestServer({ connections: { headersTimeoutMs: 1000 } });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  port = address.port;
});
after(async () => server.close());

test('the defaults are the documented ones, and the server runs with them', async () => {
  assert.deepEqual(DEFAULT_CONNECTION_LIMITS, {
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 120_000,
    maxConnectionsPerAddress: 256,
    maxConnections: 10_000,
  });
  const plain = await startTestServer();
  try {
    assert.equal(plain.app.server.headersTimeout, 10_000);
    assert.equal(plain.app.server.requestTimeout, 120_000);
    assert.equal(plain.app.server.maxConnections, 10_000);
  } finally {
    await plain.close();
  }
});

interface Slow {
  socket: Socket;
  closed: Promise<{ answer: string; at: number }>;
}

/** A client that sends its headers one byte at a time, never finishing them. */
function slowClient(): Slow {
  const socket = connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const drip = setInterval(() => {
    if (!socket.destroyed) socket.write('X');
  }, 200);
  socket.once('connect', () => socket.write('GET /healthz HTTP/1.1\r\nHost: a\r\nX-Slow: '));
  const closed = new Promise<{ answer: string; at: number }>((resolve) =>
    socket.once('close', () => {
      clearInterval(drip);
      resolve({ answer, at: Date.now() });
    }),
  );
  return { socket, closed };
}

test('300 slow-header sockets: 256 held until 408 after the header timeout, 44 refused, /healthz served', async () => {
  const started = Date.now();
  const slow = Array.from({ length: 300 }, slowClient);
  // the server keeps answering another address throughout
  for (let i = 0; i < 5; i++) {
    const t0 = Date.now();
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(response.status, 200);
    assert.ok(Date.now() - t0 < 2000, `probe ${i} answered within 2 s`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const ends = await Promise.all(slow.map((s) => s.closed));
  const timedOut = ends.filter((e) => e.answer.startsWith('HTTP/1.1 408'));
  const refused = ends.filter((e) => e.answer === '');
  // what each socket got, for the message when a count is off
  const answers = new Map<string, number>();
  for (const e of ends) answers.set(e.answer.slice(0, 12), (answers.get(e.answer.slice(0, 12)) ?? 0) + 1);
  const seen = JSON.stringify(Object.fromEntries(answers));
  assert.equal(timedOut.length, DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress, seen);
  assert.equal(refused.length, 300 - DEFAULT_CONNECTION_LIMITS.maxConnectionsPerAddress, seen);
  // a 1 s header timeout, checked every second: every slow socket is gone well within 10 s
  // (Node's defaults held one for 60-90 s)
  const last = Math.max(...ends.map((e) => e.at)) - started;
  assert.ok(last < 10_000, `the last slow socket closed after ${last} ms`);
});
