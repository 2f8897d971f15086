// The console in a real browser (Chromium driven by playwright-core) against `tml demo`, as a user
// meets it after `npm start`: sign-in, a running solution whose chart grows and whose drift is marked,
// a live tail, what a user token may not do, and what a wrong, revoked or VIPERviz-link token does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { browserMissing, launchChromium } from './browser.js';
import { startDemo, v1, type DemoServer } from './demo-server.js';

// What the functions run inside the page use (the tests compile without the DOM library).
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
  cookie: string;
};
declare const localStorage: object;
declare const sessionStorage: object;

const skip = browserMissing();
const bin = new URL('../../../bin/tml.js', import.meta.url).pathname;
let demo: DemoServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  // the relation between the streams changes 10 s after the start: the drift the console must show
  demo = await startDemo([
    '--duration',
    '300',
    '--drift-after',
    '10',
    '--rate',
    '50',
    '--window',
    '200',
    '--retrain-rows',
    '100',
  ]);
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${demo.url}/`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const number = async (page: Page, testId: string): Promise<number> =>
  Number((await page.getByTestId(testId).textContent())?.replace(/,/g, ''));

test(
  'a wrong token stays on the sign-in page with the reason; the admin token signs in to a cookie session',
  { skip },
  async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, 'tml_0000000000000000_not-a-real-token-but-long-enough-000000000');
    await page.getByRole('alert').filter({ hasText: 'the token is not valid' }).waitFor();

    await page.getByLabel('Token').fill(demo.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('role').filter({ hasText: 'admin' }).waitFor();
    await page.getByRole('link', { name: 'demo' }).waitFor();
    // the token is nowhere the page's scripts can read: only an HttpOnly cookie holds the session
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie,
    );
    assert.ok(!storage.includes(demo.adminToken.slice(4)), storage);
    const [cookie] = await context.cookies();
    assert.equal(cookie.name, 'tml_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.ok(!cookie.value.includes(demo.adminToken));
    await context.close();
  },
);

test(
  'a running solution: predictions arrive, the chart grows, versions are listed and the drift is marked',
  { skip, timeout: 120_000 },
  async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, demo.adminToken);
    await page.getByRole('link', { name: 'demo' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=points]')?.textContent) > 0);
    const first = await number(page, 'points');
    // uPlot drew on a canvas inside the chart
    assert.equal(await page.getByTestId('prediction-chart').locator('canvas').count(), 1);
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=points]')?.textContent) > n + 50,
      first,
    );
    assert.ok((await number(page, 'points')) > first + 50);
    // the chart's points download as CSV: the page's own columns, with the time in ISO 8601
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV of Predicted and actual values' }).click(),
    ]);
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    assert.equal(lines[0], 'time,prediction,actual');
    const drawn = (await page.evaluate('window.tmlConsolePoints.prediction.slice(0, 20)')) as number[];
    assert.deepEqual(
      lines.slice(1, 21).map((l) => Number(l.split(',')[1])),
      drawn,
    );
    assert.ok(lines.slice(1).every((l) => !Number.isNaN(Date.parse(l.split(',')[0]))));
    // the version history: at least one champion with its metrics and the window it learnt from
    const versions = page.getByRole('table', { name: /Model versions/ });
    await versions.locator('tbody tr').first().filter({ hasText: 'demo-temperature/0' }).waitFor();
    // the streams change 10 s after the start; Page-Hinkley notices, and the console marks every
    // drift event the registry holds, at its input offset (when the detector fires relative to the
    // change is the drift tests' concern: test/solutions/drift.test.ts, test/cli/demo.test.ts)
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=drift-count]')?.textContent) > 0,
      undefined,
      { timeout: 90_000 },
    );
    const offsets = page.getByRole('table', { name: /Drift events/ }).locator('tbody tr td:nth-child(3)');
    await offsets.first().waitFor();
    const shown = (await offsets.allTextContents()).map((t) => Number(t.replace(/,/g, '')));
    const registry = await v1<{ drift: Array<{ offset: number }> }>(
      demo.url,
      demo.adminToken,
      'GET',
      '/solutions/demo/models',
    );
    const stored = registry.drift.map((d) => d.offset);
    assert.ok(
      shown.length > 0 && shown.every((offset) => stored.includes(offset)),
      `shown ${shown}, stored ${stored}`,
    );
    // the demo's change comes at input offset 700 (200 rows of history + 10 s × 50 rows/s): an
    // event is marked at or after the last rows before it
    assert.ok(
      shown.some((offset) => offset >= 650),
      `drift detected at input offsets ${shown.join(', ')}`,
    );
    await context.close();
  },
);

test(
  'a live tail: records arrive newest first, pause holds them, JSON is pretty-printed and huge values are labelled',
  { skip, timeout: 60_000 },
  async () => {
    const { producerId } = await v1<{ producerId: string }>(demo.url, demo.adminToken, 'POST', '/topics', {
      topic: 'console-tail',
    });
    await v1(demo.url, demo.adminToken, 'POST', '/topics/console-tail/records', {
      producerId,
      value: JSON.stringify({ sensor: 'a', reading: 1.5 }),
    });
    await v1(demo.url, demo.adminToken, 'POST', '/topics/console-tail/records', {
      producerId,
      value: 'x'.repeat(10_000),
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, demo.adminToken);
    await page.getByRole('link', { name: 'Streams' }).click();
    await page.getByRole('link', { name: 'console-tail' }).click();
    await page.getByLabel('Offset').fill('0');
    await page.getByRole('button', { name: 'Jump' }).first().click();
    const rows = page.getByTestId('tail-record');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    // newest first: the huge text, cut and labelled with its size; then the JSON, indented
    assert.match(
      (await rows.nth(0).textContent()) ?? '',
      /truncated: 10,000 bytes, first 4,096 characters shown/,
    );
    assert.equal(
      await rows.nth(1).locator('pre').last().textContent(),
      '{\n  "sensor": "a",\n  "reading": 1.5\n}',
    );

    await page.goto(`${demo.url}/#/topics/demo-load/tail`);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=tail-record]').length > 30);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'paused' }).waitFor();
    const held = await rows.count();
    const newest = await rows.first().locator('td').nth(1).textContent();
    await page.waitForTimeout(1000); // 50 rows/s arrive meanwhile
    assert.equal(await rows.first().locator('td').nth(1).textContent(), newest);
    assert.equal(await rows.count(), held);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-testid=tail-record] td:nth-child(2)')?.textContent) > n,
      Number(newest),
    );
    await context.close();
  },
);

test(
  'a user token sees the solutions but cannot pause one: no button, and the API answers 403',
  { skip },
  async () => {
    const { token } = await v1<{ token: string }>(demo.url, demo.adminToken, 'POST', '/tokens', {
      role: 'user',
      label: 'console test',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, token);
    await page.getByTestId('role').filter({ hasText: 'user' }).waitFor();
    await page.getByRole('link', { name: 'demo' }).click();
    await page.getByTestId('solution-state').filter({ hasText: 'running' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Pause' }).count(), 0);
    const status = await page.evaluate(
      async () => (await fetch('/v1/solutions/demo/pause', { method: 'POST' })).status,
    );
    assert.equal(status, 403);
    const state = await v1<{ state: string }>(demo.url, demo.adminToken, 'GET', '/solutions/demo');
    assert.equal(state.state, 'running');
    // the consumer groups (with every group's lag) are the admin's
    await page.getByRole('link', { name: 'Consumer groups' }).click();
    await page.getByRole('alert').filter({ hasText: 'needs an admin token' }).waitFor();
    await context.close();
  },
);

test('a revoked token ends its sessions: the console returns to sign-in and says why', { skip }, async () => {
  const { token, info } = await v1<{ token: string; info: { id: string } }>(
    demo.url,
    demo.adminToken,
    'POST',
    '/tokens',
    { role: 'user' },
  );
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, token);
  await page.getByRole('link', { name: 'demo' }).waitFor();
  await v1(demo.url, demo.adminToken, 'DELETE', `/tokens/${info.id}`);
  // the solutions list refreshes every 2 s: its next request meets the revoked session
  await page
    .getByTestId('signin-reason')
    .filter({ hasText: 'the token of this session was revoked' })
    .waitFor();
  await page.getByLabel('Token').waitFor();
  await context.close();
});

test(
  'a VIPERviz link signs in once, drops the token from the address bar and opens the solution',
  { skip },
  async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(
      `${demo.url}/prediction.html?topic=demo-predictions&offset=-1&topictype=prediction&vipertoken=${demo.adminToken}`,
    );
    await page.waitForURL(/#\/solutions\/demo$/);
    assert.ok(!page.url().includes('vipertoken'), page.url());
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
    // the token's URL was answered with a redirect, so it never became a page or a history entry
    const response = await fetch(
      `${demo.url}/anomaly.html?topic=demo-anomalies&vipertoken=${demo.adminToken}`,
      { redirect: 'manual' },
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), '/#/viz/anomaly?topic=demo-anomalies');
    assert.match(
      response.headers.get('set-cookie') ?? '',
      /^tml_session=[\w-]+; .*HttpOnly; SameSite=Strict/,
    );

    await page.goto(`${demo.url}/#/solutions/no-such-solution`);
    await page
      .getByTestId('empty-state')
      .filter({ hasText: 'There is no solution named “no-such-solution”' })
      .waitFor();
    await context.close();
  },
);

test(
  'AiMS from an aims.html link: a consumer id with what it read, deactivated in a batch; a rule turned on',
  { skip },
  async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      v1<Record<string, unknown>>(demo.url, demo.adminToken, method, path, body);
    const { consumerId } = (await admin('POST', '/consumers', {
      topic: 'demo-predictions',
      contactname: 'Console test',
    })) as { consumerId: string };
    const poll = (await admin('POST', `/consumers/${consumerId}/poll`, { offset: 0, maxRecords: 5 })) as {
      records: Array<{ value: string }>;
    };
    const kb = (poll.records.reduce((sum, r) => sum + Buffer.byteLength(r.value), 0) / 1024).toFixed(1);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${demo.url}/aims.html?secure=0&vipertoken=${demo.adminToken}`);
    await page.waitForURL(/#\/aims$/);
    const row = page
      .getByRole('table', { name: 'Consumer ids with their last read' })
      .locator('tbody tr')
      .filter({ hasText: consumerId });
    await row.filter({ hasText: 'active' }).waitFor();
    assert.equal(await row.locator('td').nth(4).textContent(), kb); // KB read
    assert.equal(await row.locator('td').nth(5).textContent(), '1'); // active days
    await page
      .getByRole('table', { name: 'Topics with their last write' })
      .locator('tbody tr')
      .filter({ hasText: 'demo-predictions' })
      .getByRole('link', { name: 'demo' })
      .waitFor();

    await page.getByLabel(`Select ${consumerId}`).check();
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Deactivated 1 consumer ids and 0 topics.').waitFor();
    await row.filter({ hasText: 'off' }).waitFor();
    await assert.rejects(admin('POST', `/consumers/${consumerId}/poll`, {}), /403 .*CONSUMER_INACTIVE/);

    const idle = page.getByRole('group', { name: 'Alert when a consumer id has not read for N days' });
    await idle.getByLabel('on').check();
    await idle.getByRole('spinbutton').fill('2');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Rules saved.').waitFor();
    const rules = (await admin('GET', '/aims/rules')) as { consumerIdle: { enabled: boolean; days: number } };
    assert.deepEqual([rules.consumerIdle.enabled, rules.consumerIdle.days], [true, 2]);
    await admin('PUT', '/aims/rules', { consumerIdle: { enabled: false } });
    await context.close();
  },
);

test(
  'a server restart: the console says the connection is lost, then asks for the token again and is live after',
  { skip, timeout: 90_000 },
  async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, demo.adminToken);
    await page.getByRole('link', { name: 'demo' }).click();
    await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();

    const exited = new Promise((resolve) => demo.child.once('exit', resolve));
    demo.child.kill('SIGINT');
    await exited;
    await page
      .getByTestId('live-state')
      .filter({ hasText: /connection lost .* reconnecting/ })
      .waitFor();

    // the same data directory and port, now as `tml serve`: the solution runs on; sessions did not survive
    const port = new URL(demo.url).port;
    const serve = spawn(process.execPath, [bin, 'serve', '--data-dir', demo.dataDir, '--port', port], {
      env: Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TML_'))),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await page
        .getByTestId('signin-reason')
        .filter({ hasText: 'the session is not known (the server restarted, or you signed out)' })
        .waitFor({ timeout: 60_000 });
      await page.getByLabel('Token').fill(demo.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
      assert.match(page.url(), /#\/solutions\/demo$/);
    } finally {
      const stopped = new Promise((resolve) => serve.once('exit', resolve));
      serve.kill('SIGINT');
      await stopped;
      await context.close();
    }
  },
);
