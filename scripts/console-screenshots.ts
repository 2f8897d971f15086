// Screenshots of the console's main views for docs/console.md, made from a live `tml demo` in
// Debian's Chromium: `npm run docs:console`. Writes docs/console/*.png and docs/console.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumPath, launchChromium } from '../test/console/browser.js';
import { startDemo, v1 } from '../test/console/demo-server.js';

const docs = fileURLToPath(new URL('../../docs/', import.meta.url));

interface Shot {
  file: string;
  title: string;
  text: string;
}

if (chromiumPath() === undefined) {
  console.error('Chromium is not installed (apt-get install chromium, or set TML_CHROMIUM)');
  process.exit(1);
}
await mkdir(`${docs}console`, { recursive: true });
const demo = await startDemo([
  '--duration',
  '600',
  '--drift-after',
  '12',
  '--rate',
  '50',
  '--window',
  '200',
  '--retrain-rows',
  '100',
]);
const browser = await launchChromium();
const shots: Shot[] = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const page = await context.newPage();
  const shoot = async (p: Page, file: string, title: string, text: string) => {
    await p.waitForTimeout(600); // the last live update drawn
    await p.screenshot({ path: `${docs}console/${file}`, fullPage: false });
    shots.push({ file, title, text });
    console.log(`docs/console/${file}`);
  };
  await page.goto(`${demo.url}/`);
  await page.getByLabel('Token').fill('a wrong token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  await shoot(
    page,
    'signin.png',
    'Sign-in',
    'A token is exchanged once for an HttpOnly session cookie; a wrong, revoked or expired one brings the reason back here.',
  );
  await page.getByLabel('Token').fill(demo.adminToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'demo' }).waitFor();
  // let the demo retrain a few times and pass its drift
  await page.waitForTimeout(30_000);
  await shoot(
    page,
    'solutions.png',
    'Solutions',
    'Every solution with its state, condition, champion and accuracy, retrains, predictions, drift events and last problem.',
  );
  await page.getByRole('link', { name: 'demo' }).click();
  await page.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
  await page.waitForTimeout(3000);
  await shoot(
    page,
    'solution.png',
    'A solution, live',
    'Predictions against actual values and the moving error, with new champion algorithms (green) and drift events (red, dashed) marked; pause, resume and delete for admins.',
  );
  await page.getByRole('heading', { name: 'Model versions' }).scrollIntoViewIfNeeded();
  await shoot(
    page,
    'versions.png',
    'Model versions and drift',
    'Each version with its trigger, accuracy, RMSE and MAE, the champion it replaced and the window it learnt from (offsets per stream).',
  );
  await page.goto(`${demo.url}/#/models/demo`);
  await page.getByTestId('model-algorithm').waitFor();
  await shoot(
    page,
    'models.png',
    'Champion model',
    "The champion's metrics, feature importances (tree ensembles), hyperparameters and parameters.",
  );
  await page.goto(`${demo.url}/#/topics`);
  await page.getByRole('link', { name: 'demo-predictions' }).waitFor();
  await page.waitForTimeout(3500); // two readings: the rates
  await shoot(
    page,
    'streams.png',
    'Streams',
    'Topics with partitions, stored records and records per second.',
  );
  await page.goto(`${demo.url}/#/topics/demo-predictions/tail`);
  await page.getByTestId('tail-record').nth(5).waitFor();
  await page.getByRole('button', { name: 'Pause' }).click();
  await shoot(
    page,
    'tail.png',
    'Live tail',
    'Records newest first, JSON pretty-printed; pause, jump to an offset or a time; binary and huge values are cut and labelled.',
  );
  await page.goto(`${demo.url}/#/groups`);
  await page.getByRole('table').waitFor();
  await shoot(
    page,
    'groups.png',
    'Consumer groups',
    'Groups with their state, members and lag per partition (admin).',
  );
  // AiMS with two readers of the predictions: one that has read, one idle and deactivated
  const admin = <T>(method: string, path: string, body?: unknown) =>
    v1<T>(demo.url, demo.adminToken, method, path, body);
  const reader = await admin<{ consumerId: string }>('POST', '/consumers', {
    topic: 'demo-predictions',
    companyname: 'Acme Dashboards',
    contactname: 'Ann',
    contactemail: 'ann@example.com',
  });
  await admin('POST', `/consumers/${reader.consumerId}/poll`, { offset: 0, maxRecords: 500 });
  const idle = await admin<{ consumerId: string }>('POST', '/consumers', {
    topic: 'demo-anomalies',
    companyname: 'Acme Alerts',
    contactname: 'Bo',
  });
  await admin('POST', '/aims/activation', { active: false, consumers: [idle.consumerId] });
  await admin('PUT', '/aims/rules', { consumerIdle: { enabled: true, days: 7 } });
  await page.goto(`${demo.url}/#/aims`);
  await page
    .getByRole('table', { name: 'Consumer ids with their last read' })
    .locator('tbody tr')
    .nth(1)
    .waitFor();
  await shoot(
    page,
    'aims.png',
    'AiMS',
    'The cluster at a glance; each consumer id with its last read, KB read and active days, each topic with its last write and the solution writing it; batch activate and deactivate; the rules.',
  );
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const small = await phone.newPage();
  await small.goto(
    `${demo.url}/prediction.html?topic=demo-predictions&offset=-1&topictype=prediction&vipertoken=${demo.adminToken}`,
  );
  await small.getByTestId('live-state').filter({ hasText: 'live' }).waitFor();
  await small.waitForTimeout(3000);
  await shoot(
    small,
    'phone.png',
    'On a phone, from a VIPERviz link',
    'A `prediction.html?topic=…&vipertoken=…` link opens the solution that writes the topic; the token is exchanged for a session and leaves the address bar.',
  );
} finally {
  await browser.close();
  await demo.stop();
}

const md = [
  '# The tml console',
  '',
  '`tml serve` (and `npm start`, which runs the demo with a server) serves a web console at `/` on the',
  'same port as the APIs: solutions, streams, consumer groups and models, live. Sign in with a token (the',
  'admin token is in `admin.tok` in the data directory); a user token sees what a user may see and cannot',
  'pause, resume or delete solutions.',
  '',
  '- **Sessions.** The token is sent once (`POST /v1/session`) and exchanged for a random session id in',
  '  an `HttpOnly; SameSite=Strict` cookie; the browser never keeps the token. Sessions live in the',
  "  server's memory for 12 hours, end when their token is revoked, and end when the server restarts (the",
  '  console then says so and asks for the token again).',
  '- **Live updates** are Server-Sent Events from `/v1` (`GET /v1/solutions/{name}/events`,',
  '  `GET /v1/topics/{topic}/tail`), which the SDK also follows (`client.solutionEvents()`,',
  '  `client.tailTopic()`), reconnecting after a lost connection. Each stream reads the topics at most 20',
  '  times a second in bounded batches (at most 1,000 predictions a step: a long history goes out over',
  "  several short steps) and waits while the browser's socket is full: a slow browser slows only its own",
  '  stream, and a solution view that falls more than 20,000 predictions behind jumps ahead and says how',
  '  many it skipped. `/metrics` shows `tml_live_streams`, `tml_live_buffered_bytes`,',
  '  `tml_live_skipped_records_total` and `tml_live_tick_seconds` (the time of each step).',
  '- **Per-entity solutions** (`entityKey: true`) get an entity picker: the chart, the version history',
  "  and the champion then show one entity's predictions and models (`?entity=` on the same endpoints).",
  '- **VIPERviz links** keep working: `/prediction.html`, `/optimization.html`, `/anomaly.html`,',
  '  `/generictopics.html` and `/aims.html` with `?topic=…&offset=…&topictype=…&consumerid=…&vipertoken=…`',
  '  open the matching console view (the solution writing the topic, else a live tail of it; `aims.html`',
  '  opens AiMS). The `vipertoken` is exchanged for a session once and the server redirects to an address',
  '  without it.',
  '- **AiMS** (admin; `GET /v1/aims`, `POST /v1/aims/activation`, `GET`/`PUT /v1/aims/rules`,',
  '  `POST /v1/aims/rules/run`, and the same in the SDK): every consume call of a consumer id and every',
  '  produce call to a topic is counted (bytes, records, last time, the UTC days with one), in memory and',
  '  written to the metadata store every minute and at shutdown; a topic a solution writes shows its',
  "  newest record's time. Consumer ids and topics are activated or deactivated one by one or in a batch",
  '  (a batch with an unknown name changes nothing; a deactivated consumer id is refused reads,',
  '  `CONSUMER_INACTIVE`). The rules are off until turned on and run every minute: an alert record',
  '  (JSON, to `tml-aims-alerts` unless set) once per idle spell of a consumer id that has not read for N',
  '  days; a solution whose outputs nobody has read for N days is paused, and resumed when someone',
  '  subscribes to or reads one of its outputs again. Days count from the latest read, the registration',
  '  or the moment the rule was turned on, whichever is latest. E-mail is not sent (no mail settings yet).',
  '- **Tails** need an admin token, or for a user token the `consumerid` subscribed to that topic',
  '  (as VIPER).',
  '- Every table and chart downloads as CSV and JSON. The UI is Preact and uPlot, bundled by esbuild into',
  '  `dist/console` at build time (no CDN); it works with the keyboard and on a phone-sized screen.',
  '',
  'The screenshots below are made by `npm run docs:console` from a live `tml demo`.',
  '',
  ...shots.flatMap((s) => [`## ${s.title}`, '', s.text, '', `![${s.title}](console/${s.file})`, '']),
];
await writeFile(`${docs}console.md`, md.join('\n'));
console.log('docs/console.md');
