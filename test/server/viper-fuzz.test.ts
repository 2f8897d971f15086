// A seeded fuzz of the VIPER face: every endpoint of the compatibility table called with random
// subsets of its parameters, each given an odd value (huge and negative numbers, 1e309, NaN, empty,
// long, non-ASCII, percent and plus signs, ids of the wrong kind, existing names). Every answer must
// be VIPER's: HTTP 200 with one JSON document; a failure is `{"ERROR": "..."}` naming the problem,
// never the internal-error text of an unexpected exception; and a failing call creates no topic.
// The seed is fixed (TML_FUZZ_SEED overrides it) so that a failure can be replayed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTACT, startTestServer, viper, type TestServer } from './helpers.js';
import { createTopic, subscribe } from './flow-fixture.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const table = JSON.parse(readFileSync(join(root, 'src/server/viper/compatibility.json'), 'utf8')) as {
  functions: Record<string, { endpoint: string; parameters: string[] }>;
};
// writestreamtobrokers connects to the brokers it is given: random ones would mean network waits.
const SKIPPED = new Set(['writestreamtobrokers']);
const ROUNDS = 12;
const SEED = Number(process.env.TML_FUZZ_SEED ?? 20261207);

/** mulberry32: a small seeded generator, so that a run can be replayed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let server: TestServer;
let producerId: string;
let consumerId: string;
before(async () => {
  server = await startTestServer();
  producerId = await createTopic(server, 'fuzz-a');
  await viper(server.app, 'producetotopicbulk', {
    vipertoken: server.user,
    topic: 'fuzz-a',
    producerid: producerId,
    externalprediction: Array.from({ length: 60 }, (_, i) => i % 7).join(','),
  });
  consumerId = await subscribe(server, 'fuzz-a');
});
after(async () => {
  await server.close();
});

test('every VIPER endpoint answers odd parameter values with 200 and a clear {"ERROR"}, creating nothing', async () => {
  const random = generator(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const values = (): string => {
    const kinds: Array<() => string> = [
      () => String(Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1)),
      () => pick(['0', '-1', '-999', '1', '2', '10', '1000000000', '99999999999999999999']),
      () => pick(['1e309', '-1e309', 'NaN', 'Infinity', '0x10', '1.5', '.', '-', '1,2,3', ',,,']),
      () => '',
      () => 'x'.repeat(Math.floor(random() * 5000)),
      () => pick(['ключ', '値 🚀', '\u0000', '\u202e', '"', "'", '{', '[1,2]', '{"a":1}', 'null', 'true']),
      () => pick(['%zz', '%', '+', '%2B', '&', '=', '%00', '..', '.', '/']),
      () => pick(['fuzz-a', 'fuzz-missing', 'fuzz-a,fuzz-a', 'fuzz-a,fuzz-missing', 'bad name']),
      () => pick([producerId, consumerId, `ConsumerId-${'z'.repeat(30)}`, `ProducerId-${'q'.repeat(30)}`]),
      () => pick(['x:0:1', 'best', 'avg,min', 'topicid=-999~dropout=0', '1:2:3:4', 'x:1:0']),
    ];
    const raw = pick(kinds)();
    // Mostly percent-encoded as a careful client would; sometimes as the Python clients send it.
    return random() < 0.8 ? encodeURIComponent(raw) : raw.replace(/[^A-Za-z0-9._~,:%+-]/g, '');
  };
  const tokens = [server.user, server.admin];
  // The platform's own topics (`__tml_*`: the solutions' catalog, status and registry) are made by
  // the first call that opens the catalog, failing or not; the check is about the caller's topics.
  const topics = async () =>
    [...(await server.backbone.listTopics())].filter((t) => !t.startsWith('__tml_')).sort();
  let calls = 0;
  let failures = 0;
  for (const { endpoint, parameters } of Object.values(table.functions)) {
    if (SKIPPED.has(endpoint)) continue;
    for (let round = 0; round < ROUNDS; round++) {
      const chosen = parameters.filter((p) => p !== 'vipertoken' && random() < 0.7);
      const query = [`vipertoken=${pick(tokens)}`, ...chosen.map((p) => `${p}=${values()}`)].join('&');
      const url = `/${endpoint}?${query}`;
      const before = await topics();
      const response = await server.app.inject({ method: 'GET', url });
      calls++;
      assert.equal(response.statusCode, 200, `${url.slice(0, 300)}: ${response.statusCode}`);
      let body: unknown;
      assert.doesNotThrow(() => (body = JSON.parse(response.body)), `${url.slice(0, 300)}: not JSON`);
      if (body !== null && typeof body === 'object' && 'ERROR' in body) {
        failures++;
        const message = String((body as { ERROR: unknown }).ERROR);
        assert.ok(message.length > 0, `${url.slice(0, 300)}: an empty ERROR`);
        assert.doesNotMatch(message, /internal error/, `${url.slice(0, 300)}: ${message}`);
        assert.deepEqual(await topics(), before, `${url.slice(0, 300)} failed but created a topic`);
      }
    }
  }
  // The fuzz reached the endpoints' own checks, not only the token check.
  assert.ok(calls >= 40 * ROUNDS, `${calls} calls`);
  assert.ok(failures > calls / 2, `${failures} failures of ${calls}`);
  // The server still serves a well-formed call.
  const ok = await viper(server.app, 'subscribeconsumer', {
    vipertoken: server.user,
    topic: 'fuzz-a',
    ...CONTACT,
  });
  assert.match(String(ok.Consumerid), /^ConsumerId-/);
});
