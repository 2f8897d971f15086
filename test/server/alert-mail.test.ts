// Alert mail through a local SMTP server this test starts on 127.0.0.1 (smtp-server): a cluster call
// whose clusters pass alertonclustersize mails the recipients it names, only in the configured
// domains (checked before anything is written), at most once per emailfrequency; no mail leaves the
// machine. AiMS's rules mail their alerts the same way. The config file's alertMail section is read
// and checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { TmlApiError, TmlClient } from '../../src/client/index.js';
import { AlertMailer } from '../../src/server/alert-mail.js';
import { startTestServer, viper, type TestServer } from './helpers.js';

interface Received {
  from: string;
  to: string[];
  data: string;
}

const received: Received[] = [];
let smtp: SMTPServer;
let port: number;
let mailer: AlertMailer;
let server: TestServer;

before(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  port = (smtp.server.address() as AddressInfo).port;
  mailer = new AlertMailer({
    host: '127.0.0.1',
    port,
    secure: false,
    from: 'tml@alerts.test',
    allowedDomains: ['ops.test'],
    timeoutMs: 5000,
  });
  server = await startTestServer({ alertMailer: mailer });
});
after(async () => {
  await server.close();
  mailer.close();
  await new Promise<void>((resolve) => smtp.close(resolve));
});

async function records(topic: string): Promise<number> {
  const offsets = await server.backbone.listOffsets(topic);
  return offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0);
}

test('a cluster-size alert is mailed to allowed recipients, at most once per emailfrequency', async () => {
  const created = await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'mail-points' });
  const producer = String(created.ProducerId);
  await viper(server.app, 'createtopics', { vipertoken: server.admin, topic: 'mail-out' });
  // one JSON row per call: {"id":"p0","x":1} (array=1 with subtopics)
  for (const [i, x] of [1, 2, 3, 10, 11, 12].entries()) {
    await viper(server.app, 'producetotopic', {
      vipertoken: server.user,
      topic: 'mail-points',
      producerid: producer,
      array: 1,
      subtopics: 'id,x',
      externalprediction: `p${i},${x}`,
    });
  }
  const call = (params: Record<string, string | number>) =>
    viper(server.app, 'streamcluster', {
      vipertoken: server.user,
      topicname: 'mail-points',
      producerid: producer,
      maxrows: 100,
      valuekey: 'x',
      msgid: 'id',
      datetimekey: 'ts',
      numclusters: 2,
      iterations: 20,
      alertonclustersize: 2,
      preprocesstopic: 'mail-out',
      ...params,
    });
  const first = await call({
    sendalertemailsto: 'oncall@ops.test,lead@OPS.test',
    emailfrequencyinseconds: 3600,
  });
  assert.equal(first.ERROR, undefined, JSON.stringify(first));
  assert.deepEqual(first.Mail, { Sent: 1 });
  assert.equal((first.Alerts as unknown[]).length, 2);
  assert.equal(received.length, 1);
  assert.deepEqual(received[0].to, ['oncall@ops.test', 'lead@ops.test']); // domains are case-insensitive
  assert.equal(received[0].from, 'tml@alerts.test');
  assert.match(
    received[0].data,
    /Subject: tml alert: cluster \d of topic 'mail-points' holds 3 points, more\s+than 2 \(\+1\)/,
  );
  assert.match(received[0].data, /clusterSize cluster 0/);
  assert.equal(await records('mail-out'), 3);

  // within the hour: the alerts are written again, the mail is not sent again
  const second = await call({
    sendalertemailsto: 'oncall@ops.test,lead@OPS.test',
    emailfrequencyinseconds: 3600,
  });
  assert.equal((second.Mail as { Sent: number }).Sent, 0);
  assert.match(String((second.Mail as { Reason: string }).Reason), /same recipients/);
  assert.equal(received.length, 1);
  assert.equal(await records('mail-out'), 6);

  // a recipient outside the allowed domains: an ERROR naming the parameter, nothing written or sent
  const refused = await call({ sendalertemailsto: 'oncall@ops.test,someone@elsewhere.example' });
  assert.match(String(refused.ERROR), /sendalertemailsto.*someone@elsewhere\.example.*ops\.test/);
  const malformed = await call({ sendalertemailsto: 'not-an-address' });
  assert.match(String(malformed.ERROR), /sendalertemailsto.*not-an-address/);
  assert.equal(await records('mail-out'), 6);
  assert.equal(received.length, 1);

  // with a report (analysisdescription): the PDF goes with the mail and is the record written
  const reported = await call({
    sendalertemailsto: 'reports@ops.test',
    analysisdescription: 'Points by x',
    pdfformat: 'title=Mail report|showpdfemaillist=1',
  });
  assert.equal(reported.ERROR, undefined, JSON.stringify(reported));
  assert.deepEqual(reported.Mail, { Sent: 1 });
  assert.equal(received.length, 2);
  assert.match(received[1].data, /Content-Type: application\/pdf; name=clusters-mail-points\.pdf/);
  const report = reported.Report as { Partition: number; Offset: number; Bytes: number };
  const {
    records: [written],
  } = await server.backbone.fetch({
    topic: 'mail-out',
    partition: report.Partition,
    offset: report.Offset,
    maxRecords: 1,
  });
  const pdf = Buffer.from((JSON.parse(written.value!.toString()) as { pdf: string }).pdf, 'base64');
  assert.equal(pdf.length, report.Bytes);
  // the attachment is the same PDF, base64 in the mail (line-wrapped)
  const attached = /Content-Transfer-Encoding: base64\r?\n(?:[^\r\n]*\r?\n)*?\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(
    received[1].data.slice(received[1].data.indexOf('application/pdf')),
  );
  assert.ok(attached, received[1].data.slice(0, 2000));
  assert.deepEqual(Buffer.from(attached[1].replace(/\s/g, ''), 'base64'), pdf);
  assert.equal(await records('mail-out'), 6 + 4); // the cluster record, its report and two alerts
});

test("AiMS's alerts are mailed to the rules' recipients, in the allowed domains, at most once per frequency", async () => {
  const DAY = 86_400_000;
  let clock = Date.UTC(2026, 0, 5, 12);
  const aims = await startTestServer({ alertMailer: mailer, clock: () => clock, aimsEveryMs: 0 });
  try {
    await aims.app.listen({ host: '127.0.0.1', port: 0 });
    const address = aims.app.server.address() as AddressInfo;
    const admin = new TmlClient({ url: `http://127.0.0.1:${address.port}`, token: aims.admin });
    await admin.createTopic({ topic: 'aims-mail' });
    const { consumerId } = await admin.subscribe('aims-mail', { contactname: 'Ann' });

    // a recipient outside the allowed domains: refused naming the field, the rules unchanged
    await assert.rejects(
      admin.setAimsRules({ consumerIdle: { enabled: true, days: 7 }, alertEmails: ['x@elsewhere.example'] }),
      (e: unknown) => e instanceof TmlApiError && e.status === 400 && /alertEmails/.test(e.message),
    );
    assert.deepEqual((await admin.aimsRules()).alertEmails, []);
    assert.equal((await admin.aimsRules()).consumerIdle.enabled, false);

    const rules = await admin.setAimsRules({
      consumerIdle: { enabled: true, days: 7 },
      alertEmails: ['ops@ops.test'],
      emailFrequencySeconds: 3600,
    });
    assert.deepEqual([rules.alertEmails, rules.emailFrequencySeconds], [['ops@ops.test'], 3600]);
    const before = received.length;
    clock += 8 * DAY;
    const run = await admin.runAimsRules();
    assert.deepEqual(
      run.alerts.map((a) => [a.kind, a.consumerId]),
      [['consumer-idle', consumerId]],
    );
    assert.deepEqual(run.mail, { sent: 1 });
    assert.equal(received.length, before + 1);
    const mail = received[received.length - 1];
    assert.deepEqual(mail.to, ['ops@ops.test']);
    // headers unfolded, quoted-printable soft line breaks removed
    const text = mail.data.replace(/\r\n[ \t]/g, ' ').replace(/=\r\n/g, '');
    const said = `consumer id ${consumerId} has not read topic aims-mail for 8 days`;
    assert.ok(text.includes(`Subject: tml alert: ${said}`), text);
    assert.ok(text.includes(`2026-01-13T12:00:00.000Z aims ${consumerId}: ${said}`), text);

    // another idle consumer id within the hour: its alert record is written, the mail throttled
    const second = await admin.subscribe('aims-mail', { contactname: 'Bob' });
    clock += 8 * DAY;
    const again = await admin.runAimsRules();
    assert.deepEqual(
      again.alerts.map((a) => a.consumerId),
      [second.consumerId],
    );
    assert.equal(again.mail?.sent, 0);
    assert.match(String(again.mail?.reason), /same recipients/);
    assert.equal(received.length, before + 1);
  } finally {
    await aims.close();
  }
});

test('the alertMail section of the config file is read and checked', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tml-mail-config-'));
  try {
    const file = join(dir, 'tml.json');
    const passwordFile = join(dir, 'smtp.pass');
    await writeFile(passwordFile, 'secret\n', { mode: 0o600 });
    await writeFile(
      file,
      JSON.stringify({
        alertMail: {
          host: 'smtp.ops.test',
          port: 587,
          user: 'tml',
          passwordFile,
          from: 'tml@ops.test',
          allowedDomains: ['Ops.Test'],
        },
      }),
    );
    const config = loadConfig({}, {}, file);
    assert.deepEqual(config.alertMail, {
      host: 'smtp.ops.test',
      port: 587,
      secure: false,
      user: 'tml',
      password: 'secret',
      from: 'tml@ops.test',
      allowedDomains: ['ops.test'],
      timeoutMs: 10_000,
    });
    await writeFile(
      file,
      JSON.stringify({ alertMail: { host: 'h', from: 'f@ops.test', allowedDomains: [] } }),
    );
    assert.throws(
      () => loadConfig({}, {}, file),
      (e: unknown) => e instanceof ConfigError && /allowedDomains/.test(e.message),
    );
    await writeFile(
      file,
      JSON.stringify({
        alertMail: { host: 'h', from: 'f@ops.test', allowedDomains: ['ops.test'], port: 70000 },
      }),
    );
    assert.throws(() => loadConfig({}, {}, file), /alertMail\.port/);
    assert.equal(loadConfig({}, {}).alertMail, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
