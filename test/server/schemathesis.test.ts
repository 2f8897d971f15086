// Item 10 of the hardening issue: Schemathesis (from PyPI, in the tests' venv) generates requests
// from /v1/openapi.json against a fresh server, with an admin token and with a user token: no
// answer may be a 5xx, every answer must match the schema the document gives for its status, and
// with the user token every admin-only operation answers 403.
// Bounded: a fixed seed, 5 examples per operation and phase, a time limit per run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureSchemathesis, root, schemathesis } from './python-venv.js';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
let url: string;
before(async () => {
  ensureSchemathesis();
  // Schemathesis sends requests without a token and with broken ones too, all from this address:
  // the failed-authentication limit (20 a minute per address) would then refuse the real tokens
  server = await startTestServer({ authFailures: { maxFailures: 1_000_000, windowMs: 60_000 } });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const address = server.app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  url = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await server.close();
});

/** Runs Schemathesis as a child process (asynchronously: the server answers from this process). */
function run(token: string, role: 'admin' | 'user'): Promise<{ code: number; output: string }> {
  const args = [
    'run',
    `${url}/v1/openapi.json`,
    '--url',
    `${url}/v1`,
    '-H',
    `Authorization: Bearer ${token}`,
    '--checks',
    // With the user token, also: every admin-only operation answers 403 (test/python/schemathesis_hooks.py).
    `not_a_server_error,response_schema_conformance${role === 'user' ? ',admin_only_forbidden' : ''}`,
    '--max-examples',
    '5',
    '--seed',
    '1',
    '--workers',
    '1',
    '--no-shrink',
    // No example database between runs: the same seed, the same requests.
    '--generation-database',
    'none',
    '--request-timeout',
    '10',
    // Revoking tokens at random would revoke the one the run uses.
    '--exclude-operation-id',
    'revokeToken',
    // A tail is an endless event stream: a request that finds a topic and its consumer id never
    // ends, and each such case waits out --request-timeout (test/server/live.test.ts covers it).
    '--exclude-operation-id',
    'tailTopic',
  ];
  return new Promise((resolve) => {
    execFile(
      schemathesis,
      args,
      {
        timeout: 240_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          NO_COLOR: '1',
          PYTHONPATH: join(root, 'test', 'python'),
          SCHEMATHESIS_HOOKS: 'schemathesis_hooks',
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

for (const role of ['admin', 'user'] as const) {
  test(`Schemathesis with the ${role} token: no 5xx, every answer as documented`, async () => {
    const { code, output } = await run(role === 'admin' ? server.admin : server.user, role);
    const summary = output.slice(output.lastIndexOf('SUMMARY'));
    const failures = [...output.matchAll(/^\s+(.*admin-only.*|ST\d+ .*)$/gm)].map((m) => m[1]);
    assert.equal(code, 0, `${[...new Set(failures)].join('\n')}\n${summary || output.slice(-4000)}`);
    const generated = /(\d+) generated, (\d+) passed/.exec(summary);
    assert.ok(generated, summary);
    assert.ok(Number(generated[1]) > 500, `${generated[1]} test cases`);
    assert.equal(generated[1], generated[2], summary);
    // The server is still there and answering.
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
  });
}
