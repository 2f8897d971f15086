// `tml analytics <step>` on the local backbone: the /v1 steps through the server's checks and
// operations, numbers checked by hand; bad input changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataDir, offsets, ok, tml } from './tml.js';

/** Two numeric streams and a topic of rows holding both, on a fresh data directory. */
async function sensors(dir: string): Promise<void> {
  for (const topic of ['a', 'b', 'rows', 'out']) await ok(dir, ['topics', 'create', topic]);
  await ok(dir, ['produce', 'a'], { input: '1\n2\n3\n4\n' });
  await ok(dir, ['produce', 'b'], { input: '2\n4\n5\n9\n' });
  const rows = [1, 2, 3, 4].map((a, i) => JSON.stringify({ a, b: [2, 4, 5, 9][i] }));
  await ok(dir, ['produce', 'rows'], { input: rows.join('\n') + '\n' });
}

test('analytics preprocess then query: statistics of the newest window and a condition on them', async (t) => {
  const dir = dataDir(t);
  await sensors(dir);
  const args = ['analytics', 'preprocess', 'rows', '--streams', 'a,b', '--fields', '--logic', 'avg,max'];
  const items = JSON.parse(await ok(dir, [...args, '--max-rows', '4', '--json'])) as {
    items: Array<{ topic: string; value: number; messages: number; writtenTo: string }>;
  };
  // avg(1,2,3,4) = 2.5; max(2,4,5,9) = 9
  assert.deepEqual(
    items.items.map((i) => [i.topic, i.value, i.messages, i.writtenTo]),
    [
      ['a_preprocessed_Avg', 2.5, 4, 'rows'],
      ['b_preprocessed_Max', 9, 4, 'rows'],
    ],
  );

  const text = await ok(dir, [
    'analytics',
    'query',
    'rows',
    '--streams',
    'a_preprocessed_Avg,b_preprocessed_Max',
    '--conditions',
    'a_preprocessed_Avg > 2 and b_preprocessed_Max < 9:b_preprocessed_Max = 9',
    '--produce-to',
    'out',
  ]);
  // 2.5 > 2 holds, 9 < 9 does not: the first query is 0; 9 = 9: the second is 1.
  assert.match(
    text,
    /^a_preprocessed_Avg > 2 and b_preprocessed_Max < 9 +0 +a_preprocessed_Avg=2\.5 b_preprocessed_Max=9 +0:0$/m,
  );
  assert.match(text, /^b_preprocessed_Max = 9 +1 +b_preprocessed_Max=9 +0:1$/m);
  assert.match(text, /written to 'out'/);
  // the two results are records of 'out', then the alert of the query that holds
  const written = (await ok(dir, ['consume', 'out'])).trim().split('\n');
  assert.equal(written.length, 3);
  assert.match(written[2], /"Message":"query 'b_preprocessed_Max = 9' on 'rows' holds"/);
});

test('analytics correlate: Pearson and Spearman of two streams, as hand-worked', async (t) => {
  const dir = dataDir(t);
  await sensors(dir);
  const answer = JSON.parse(
    await ok(dir, [
      '--json',
      'analytics',
      'correlate',
      'a',
      '--streams',
      'a,b',
      '--max-rows',
      '4',
      '--methods',
      'pearson,spearman',
      '--produce-to',
      'out',
    ]),
  ) as {
    produceTo: string;
    computed: number;
    written: Array<{ method: string; coefficient: number; pValue: number; count: number }>;
  };
  assert.equal(answer.produceTo, 'out');
  assert.equal(answer.computed, 2);
  const byMethod = new Map(answer.written.map((c) => [c.method, c]));
  // a = 1..4, b = 2,4,5,9: deviations (-1.5,-.5,.5,1.5) and (-3,-1,0,4); sum of products 11,
  // sums of squares 5 and 26: r = 11 / sqrt(130) = 0.964764; t = r sqrt(2 / (1 - r²)) with 2 degrees
  // of freedom, two-sided p = 1 - t / sqrt(2 + t²) = 0.035236.
  const pearson = byMethod.get('pearson')!;
  assert.ok(Math.abs(pearson.coefficient - 11 / Math.sqrt(130)) < 1e-12, String(pearson.coefficient));
  assert.ok(Math.abs(pearson.pValue - 0.035236) < 1e-5, String(pearson.pValue));
  assert.equal(pearson.count, 4);
  // both rise together at every step: the ranks are equal, Spearman's rho is 1
  assert.ok(Math.abs(byMethod.get('spearman')!.coefficient - 1) < 1e-12);
  assert.equal((await ok(dir, ['consume', 'out'])).trim().split('\n').length, 2);

  const table = await ok(dir, [
    'analytics',
    'correlate',
    'a',
    '--streams',
    'a,b',
    '--max-rows',
    '4',
    '--produce-to',
    'out',
  ]);
  assert.match(table, /^a ~ b +pearson +0\.964764 +0\.0352362 +0 +4 +0:2$/m);
});

test('analytics with a bad command line: exit 2, the option or field named, nothing written', async (t) => {
  const dir = dataDir(t);
  await sensors(dir);
  const before = await offsets(dir, 'out');
  const notInteger = await tml(dir, [
    'analytics',
    'correlate',
    'a',
    '--streams',
    'a,b',
    '--max-rows',
    'four',
  ]);
  assert.equal(notInteger.code, 2);
  assert.match(notInteger.stderr, /option '--max-rows <n>' argument 'four' is invalid/);
  // the /v1 schema's bound: at least 3 rows to correlate
  const tooFew = await tml(dir, [
    'analytics',
    'correlate',
    'a',
    '--streams',
    'a,b',
    '--max-rows',
    '2',
    '--produce-to',
    'out',
  ]);
  assert.equal(tooFew.code, 2);
  assert.match(tooFew.stderr, /^tml: parameter 'maxRows' .*3/m);
  const missing = await tml(dir, ['analytics', 'cluster', 'a', '--max-rows', '4', '--clusters', '2']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--value-keys <list>' not specified/);
  assert.equal(await offsets(dir, 'out'), before);
});

test('analytics with input the core refuses: exit 2 as over --server (HTTP 400), the field named; an unknown topic exits 1', async (t) => {
  const dir = dataDir(t);
  await sensors(dir);
  await ok(dir, ['topics', 'create', 'words']);
  await ok(dir, ['produce', 'words'], { input: 'x\ny\nz\n' });
  const before = await offsets(dir, 'out');
  const text = await tml(dir, [
    'analytics',
    'correlate',
    'a',
    '--streams',
    'a,words',
    '--max-rows',
    '3',
    '--produce-to',
    'out',
  ]);
  assert.equal(text.code, 2);
  assert.match(
    text.stderr,
    /^tml: parameter 'streams' stream 'words' holds 'x' at partition 0 offset 0, not a number/m,
  );
  const unknown = await tml(dir, ['analytics', 'query', 'nope', '--streams', 's', '--conditions', 's > 1']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /topic 'nope' does not exist/);
  assert.equal(await offsets(dir, 'out'), before);
});

test('analytics custom-json and search-anomaly locally; every step has --help with an example', async (t) => {
  const dir = dataDir(t);
  await ok(dir, ['topics', 'create', 'meters']);
  const readings = [200, 220].map((value, i) =>
    JSON.stringify({ metadata: { dsn: 'd1' }, name: 'Voltage', value, ts: `2026-01-01T00:0${i}:00Z` }),
  );
  await ok(dir, ['produce', 'meters'], { input: readings.join('\n') + '\n' });
  const criteria = 'uid=metadata.dsn~subtopics=name~values=value~datetime=ts';
  const json = await ok(dir, [
    ...['--json', 'analytics', 'custom-json', 'meters', '--criteria', criteria],
    ...['--logic', 'avg,max', '--max-rows', '10'],
  ]);
  const items = (JSON.parse(json) as { items: Array<{ device: string; topic: string; value: number }> })
    .items;
  // avg(200, 220) = 210, max 220, for device d1
  assert.deepEqual(
    items.map((i) => [i.device, i.topic, i.value]),
    [
      ['d1', 'Voltage_preprocessed_Avg', 210],
      ['d1', 'Voltage_preprocessed_Max', 220],
    ],
  );

  await ok(dir, ['topics', 'create', 'searches']);
  const searches = 'cheap flights paris\ncheap flights rome\ncheap flights paris\nhow to build a bomb\n';
  await ok(dir, ['produce', 'searches'], { input: searches });
  const search = await ok(dir, [
    ...['analytics', 'search-anomaly', 'searches', '--threshold', '50', '--max-rows', '4'],
    ...['--terms', 'bomb'],
  ]);
  // no word of the newest search is in the three before it: similarity 0, and it holds a watched term
  assert.match(search, /^similarity 0 to 3 earlier searches: ANOMALY$/m);
  assert.match(search, /^watched terms: bomb$/m);

  for (const step of ['preprocess', 'custom-json', 'query', 'correlate', 'cluster', 'search-anomaly']) {
    const help = await ok(dir, ['analytics', step, '--help']);
    assert.match(help, new RegExp(`^Examples:\\n  tml analytics ${step} `, 'm'), step);
  }
});

test('analytics options: query and correlate over array rows with a where filter, a cluster PDF report', async (t) => {
  const dir = dataDir(t);
  for (const topic of ['rows', 'out']) await ok(dir, ['topics', 'create', topic]);
  // rows a, b, site: the east rows are 0, 2, 4
  const rows = [
    { a: 1, b: 2, site: 'east' },
    { a: 2, b: 1, site: 'west' },
    { a: 3, b: 5, site: 'east' },
    { a: 4, b: 3, site: 'west' },
    { a: 5, b: 7, site: 'east' },
    { a: 6, b: 0, site: 'west' },
  ];
  await ok(dir, ['produce', 'rows'], { input: rows.map((r) => JSON.stringify(r)).join('\n') + '\n' });
  const query = JSON.parse(
    await ok(dir, [
      '--json',
      'analytics',
      'query',
      'rows',
      '--streams',
      'a,b',
      '--conditions',
      'a > 4',
      '--fields',
      '--where',
      '[east]',
      '--where-key',
      'site',
      '--produce-to',
      'out',
    ]),
  ) as {
    results: Array<{
      result: number;
      inputs: Record<string, { value: number; partition: number; offset: number }>;
    }>;
  };
  // the newest east row is offset 4 (a = 5): 5 > 4 holds
  assert.deepEqual(query.results[0].inputs.a, { value: 5, partition: 0, offset: 4 });
  assert.equal(query.results[0].result, 1);
  const corr = JSON.parse(
    await ok(dir, [
      '--json',
      'analytics',
      'correlate',
      'rows',
      '--streams',
      'a,b',
      '--fields',
      '--where',
      '{east}',
      '--where-key',
      'site',
      '--max-rows',
      '10',
      '--produce-to',
      'out',
    ]),
  ) as { written: Array<{ coefficient: number; count: number }> };
  // the west rows: a = 2, 4, 6 and b = 1, 3, 0: Pearson's r = (−2·−0.333 + 0 + 2·−1.333)/… = −0.327
  const [x, y] = [
    [2, 4, 6],
    [1, 3, 0],
  ];
  const mean = (v: number[]) => v.reduce((s, z) => s + z, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  const sxy = x.reduce((s, xi, i) => s + (xi - mx) * (y[i] - my), 0);
  const r =
    sxy / Math.sqrt(x.reduce((s, xi) => s + (xi - mx) ** 2, 0) * y.reduce((s, yi) => s + (yi - my) ** 2, 0));
  assert.equal(corr.written[0].count, 3);
  assert.ok(Math.abs(corr.written[0].coefficient - r) < 1e-12, `${corr.written[0].coefficient} vs ${r}`);
  const cluster = JSON.parse(
    await ok(dir, [
      '--json',
      'analytics',
      'cluster',
      'rows',
      '--value-keys',
      'a,b',
      '--clusters',
      '2',
      '--max-rows',
      '10',
      '--report-title',
      'Rows by site',
      '--produce-to',
      'out',
    ]),
  ) as { report?: { partition: number; offset: number; bytes: number } };
  assert.ok(cluster.report && cluster.report.bytes > 500, JSON.stringify(cluster.report));
  const records = (await ok(dir, ['consume', 'out'])).trim().split('\n');
  const report = JSON.parse(records[cluster.report.offset]) as { kind: string; title: string; pdf: string };
  assert.equal(report.kind, 'clusterReport');
  assert.equal(report.title, 'Rows by site');
  assert.equal(Buffer.from(report.pdf, 'base64').subarray(0, 5).toString(), '%PDF-');
  assert.equal(Buffer.from(report.pdf, 'base64').length, cluster.report.bytes);
  // a bad filter is refused, naming it, and writes nothing
  const before = await offsets(dir, 'out');
  const bad = await tml(dir, [
    'analytics',
    'query',
    'rows',
    '--streams',
    'a',
    '--conditions',
    'a > 1',
    '--fields',
    '--where',
    '[east',
    '--where-key',
    'site',
    '--produce-to',
    'out',
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /'where' '\[east' opens with '\[' but does not close with '\]'/);
  assert.equal(await offsets(dir, 'out'), before);
});
