// Finding 2 and 4 of the hardening issue: the token is found and checked before anything else in a
// request is decoded; requests are bounded in size and parameter count; no token reaches the log or
// an error body, however its parameter name is spelled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { findViperToken, parseViperQuery } from '../../src/server/viper/query.js';
import { redactUrl } from '../../src/server/redact.js';
import { showValue } from '../../src/server/errors.js';
import { MAX_QUERY_PARAMETERS, MAX_URL_CHARS } from '../../src/server/viper/limits.js';
import { DEFAULT_FAILURE_LIMIT } from '../../src/server/auth/failure-limit.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

let server: TestServer;
const log: string[] = [];
before(async () => {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString('utf8'));
      done();
    },
  });
  server = await startTestServer({ logLevel: 'debug', logStream: stream });
});
after(async () => server.close());

/** The spellings of `vipertoken` the parser reads as that name (decoded, trimmed, lower-cased). */
const SPELLINGS = [
  'vipertoken',
  'vipe%72token',
  '+vipertoken',
  '%20vipertoken',
  'VIPERTOKEN%20',
  'viper%74oken',
];

test('the token is found in any spelling the parser reads, and only the first one counts', () => {
  for (const name of SPELLINGS) {
    const query = `topic=a&${name}=tml_x&${name}=second`;
    assert.equal(findViperToken(query), 'tml_x', name);
    assert.equal(parseViperQuery(query).params.get('vipertoken'), 'tml_x', name);
  }
  assert.equal(findViperToken('topic=a&b=c'), undefined);
  assert.equal(findViperToken('vipertoken'), '');
  // a name padded past any parameter's length is no name at all, for both readers
  const padded = `${'%20'.repeat(100)}vipertoken=tml_x`;
  assert.equal(findViperToken(padded), undefined);
  assert.ok(parseViperQuery(padded).oversizedName !== undefined);
  assert.equal(parseViperQuery(padded).params.has('vipertoken'), false);
});

test('the logged URL hides the token in every spelling, and anything token-shaped anywhere', () => {
  const token = server.admin;
  const secret = token.slice(-43);
  for (const name of SPELLINGS) {
    const line = redactUrl(`/listtopics?${name}=${token}&topic=a`);
    assert.ok(!line.includes(secret) && !line.includes(token.slice(0, 30)), `${name}: ${line}`);
    assert.match(line, /\[REDACTED\]/);
  }
  // in a value, in the path, percent-encoded, and cut at the length limit
  const encoded = token.replace(/_/g, '%5F');
  for (const url of [
    `/createtopics?description=${token}`,
    `/${token}/createtopics`,
    `/createtopics?description=x${encoded}`,
    `/createtopics?description=${'a'.repeat(280)}${token}`,
  ]) {
    const line = redactUrl(url);
    assert.ok(!line.includes(secret.slice(0, 8)), line);
  }
  const long = redactUrl(`/producetotopic?externalprediction=${'1,'.repeat(1_000_000)}`);
  assert.ok(long.length < 360, 'the logged URL is cut');
  assert.match(long, /…\(2000035 chars\)$/);
  // error messages quote values the same way
  assert.ok(!showValue(`${'x'.repeat(30)}${token}`).includes(secret.slice(0, 4)));
});

test('no token reaches the log or an error body through odd spellings or a malformed path', async () => {
  const secret = server.admin.slice(-43);
  const bodies: string[] = [];
  for (const name of SPELLINGS) {
    const response = await server.app.inject({ url: `/listtopics?${name}=${server.admin}` });
    // the parser reads every spelling as the token: the call is authenticated
    assert.ok(Array.isArray(response.json().Topics), `${name}: ${response.body}`);
    bodies.push(response.body);
  }
  for (const url of [
    `/%zz?vipertoken=${server.admin}`,
    `/v1/%zz?token=${server.admin}`,
    `/${server.admin}?vipertoken=${server.admin}`,
    `/v1/nothing/${server.admin}`,
    `/createtopics?vipertoken=${server.admin}&topic=t&numpartitions=${server.admin}`,
  ]) {
    const response = await server.app.inject({ url });
    assert.ok(response.statusCode < 500, url);
    bodies.push(response.body);
  }
  const everything = bodies.join('\n') + log.join('');
  assert.ok(log.length > 10, 'the server logged the requests');
  assert.equal(everything.includes(secret), false, 'the token secret appears nowhere');
  assert.equal(everything.includes(server.admin.slice(0, 25)), false, 'nor its start');
});

test('a bad token is refused before the request is read: no parameter or size error reaches it', async () => {
  const many = Array.from({ length: MAX_QUERY_PARAMETERS + 1 }, (_, i) => `p${i}=1`).join('&');
  const bulk = `externalprediction=${'1,'.repeat(1_500_000)}`;
  for (const query of [`vipertoken=nope&${many}`, `${many}`, `vipertoken=nope&${bulk}&${many}`]) {
    const response = await server.app.inject({ url: `/producetotopic?${query}` });
    assert.match(String(response.json().ERROR), /token/, query.slice(0, 40));
  }
  // with a good token the same requests meet the limits, each named
  const tooMany = await viper(server.app, 'listtopics', {
    vipertoken: server.admin,
    ...params(MAX_QUERY_PARAMETERS),
  });
  assert.equal(
    tooMany.ERROR,
    `the query has ${MAX_QUERY_PARAMETERS + 1} parameters, over the limit of ${MAX_QUERY_PARAMETERS}`,
  );
  const padded = await server.app.inject({
    url: `/listtopics?vipertoken=${server.admin}&${'n'.repeat(193)}=1`,
  });
  assert.match(String(padded.json().ERROR), /^parameter 'n{40}…' is not a parameter name$/);
  const atLimit = await viper(server.app, 'listtopics', {
    vipertoken: server.admin,
    ...params(MAX_QUERY_PARAMETERS - 1),
  });
  assert.ok(Array.isArray(atLimit.Topics), JSON.stringify(atLimit).slice(0, 200));
});

function params(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, '1']));
}

test('an ordinary endpoint takes a URL up to 64 KiB; only the bulk endpoints take more', async () => {
  const fill = (length: number, base: string) => base + 'x'.repeat(length - base.length);
  const base = `/listtopics?vipertoken=${server.admin}&description=`;
  const ok = await server.app.inject({ url: fill(MAX_URL_CHARS, base) });
  assert.ok(Array.isArray(ok.json().Topics), ok.body.slice(0, 200));
  const over = await server.app.inject({ url: fill(MAX_URL_CHARS + 1, base) });
  assert.equal(
    over.json().ERROR,
    `the URL is ${MAX_URL_CHARS + 1} characters, over the limit of ${MAX_URL_CHARS} for 'listtopics' (only producetotopic, producetotopicbulk, producetotopicstream, viperhpdepredict take more)`,
  );
  // a bulk endpoint reads a longer URL once the token is good (here: to say the topic is unknown)
  const bulk = await server.app.inject({
    url: fill(
      MAX_URL_CHARS * 4,
      `/producetotopicbulk?vipertoken=${server.admin}&topic=nope&producerid=p&externalprediction=`,
    ),
  });
  assert.match(String(bulk.json().ERROR), /nope/);
  // /v1 reads no query longer than 8 KiB
  const v1 = await server.app.inject({
    url: `/v1/topics?x=${'y'.repeat(8 * 1024)}`,
    headers: { authorization: `Bearer ${server.admin}` },
  });
  assert.equal(v1.statusCode, 414);
  assert.equal(v1.json().code, 'URL_TOO_LONG');
});

test('failed authentications are limited per address: 429 on /v1, an ERROR on VIPER, others unaffected', async () => {
  const { maxFailures, windowMs } = DEFAULT_FAILURE_LIMIT;
  assert.deepEqual({ maxFailures, windowMs }, { maxFailures: 20, windowMs: 60_000 });
  const remoteAddress = '10.9.8.7';
  for (let i = 0; i < maxFailures; i++) {
    const response = await server.app.inject({ url: '/listtopics?vipertoken=tml_bad', remoteAddress });
    assert.match(String(response.json().ERROR), /not valid/);
  }
  // over the limit, even the right token is refused from that address
  const viperRefused = await server.app.inject({
    url: `/listtopics?vipertoken=${server.admin}`,
    remoteAddress,
  });
  assert.equal(viperRefused.statusCode, 200);
  assert.match(
    String(viperRefused.json().ERROR),
    /too many failed authentications from this address \(limit 20 per 60 s\); try again in \d+ s/,
  );
  const v1Refused = await server.app.inject({
    url: '/v1/topics',
    headers: { authorization: `Bearer ${server.admin}` },
    remoteAddress,
  });
  assert.equal(v1Refused.statusCode, 429);
  assert.equal(v1Refused.json().code, 'TOO_MANY_AUTH_FAILURES');
  // another address is served as before
  const other = await server.app.inject({
    url: `/listtopics?vipertoken=${server.admin}`,
    remoteAddress: '10.9.8.6',
  });
  assert.ok(Array.isArray(other.json().Topics));
});
