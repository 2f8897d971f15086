// The stream-query options and timedelay waits through the real maadstml client
// (test/python/viper_query_options.py): viperstreamquery's array rows, offset, wherecondition on
// wheresearchkey and rawdataoutput against the rows produced; streamquerybatch refusing bad options;
// preprocesscustomjson and searchanomaly waiting `timedelay` for records produced after the call.
// Here: every output topic holds exactly what the successful calls wrote (the failing ones wrote
// nothing), and the result records carry rawData only when rawdataoutput=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBackbone } from '../../src/backbone/open.js';
import type { Backbone } from '../../src/backbone/types.js';
import { loadConfig } from '../../src/config/config.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { startServer } from '../../src/server/serve.js';
import { openServerStore } from '../../src/server/store/metadata-collection.js';
import { eventually } from '../helpers/wait.js';
import { ensureClient, hasPython, runScript } from './python-venv.js';

test(
  'maadstml streamquery options (array, offset, where, rawdataoutput) and timedelay waits',
  { skip: hasPython || process.env.CI === 'true' ? false : 'python3 is not installed', timeout: 600_000 },
  async (t) => {
    ensureClient();
    const dataDir = await mkdtemp(join(tmpdir(), 'tml-query-options-'));
    const config = loadConfig({}, { dataDir });
    config.server.port = 0;
    let opened: Backbone | undefined;
    const open = async () => (opened = await openBackbone({ dataDir }));
    const admin = generateToken('admin', 'query options');
    const setup = await open();
    try {
      await (await openServerStore(setup)).tokens.put(admin.record.id, admin.record);
    } finally {
      await setup.close();
    }
    const tokenFile = join(dataDir, 'admin.tok');
    await writeFile(tokenFile, admin.token, { mode: 0o600 });
    const server = await startServer(config, open, { logLevel: false });
    try {
      const port = new URL(server.url).port;
      const result = await runScript('viper_query_options.py', ['http://127.0.0.1', port, tokenFile]);
      const last = result.stdout.trim().split('\n').at(-1) ?? '';
      assert.ok(last.startsWith('{'), `the script ended without its summary:\n${result.stderr.slice(-4000)}`);
      const summary = JSON.parse(last) as {
        checks?: number;
        failures?: string[];
        written?: Record<string, number>;
        results?: string;
        rawdata?: { with: number[] };
        batch?: { topic: string; offset: number };
        tmlids?: Record<string, Record<string, string | number>>;
        patients?: string;
        corrtmlids?: Record<string, Record<string, string | number>>;
        vitals?: string;
      };
      assert.deepEqual(summary.failures, [], `${result.stderr}\n${result.stdout.slice(-4000)}`);
      assert.equal(result.status, 0, result.stderr);
      assert.ok((summary.checks ?? 0) >= 30, `checks: ${summary.checks}`);
      t.diagnostic(`${summary.checks} checks, written ${JSON.stringify(summary.written)}`);
      assert.ok(opened);
      const backbone = opened;
      const outputs = Object.entries(summary.written ?? {});
      assert.equal(outputs.length, 11);
      for (const [topic, count] of outputs) {
        const offsets = await backbone.listOffsets(topic);
        assert.equal(
          offsets.reduce((sum, o) => sum + o.latest - o.earliest, 0),
          count,
          topic,
        );
      }
      // the last two results written: rawdataoutput=1 then rawdataoutput=0 (neither holds: no alerts)
      const offsets = await backbone.listOffsets(summary.results ?? '');
      const [{ latest }] = offsets;
      const { records } = await backbone.fetch({
        topic: summary.results ?? '',
        partition: 0,
        offset: latest - 2,
        maxRecords: 2,
      });
      const [withRaw, withoutRaw] = records.map(
        (r) => JSON.parse(r.value!.toString()) as { rawData?: number[]; msgIds?: string[]; result: number },
      );
      assert.deepEqual(withRaw.rawData, summary.rawdata?.with);
      assert.equal(withRaw.msgIds?.length, 2);
      assert.equal(withoutRaw.rawData, undefined);
      assert.equal(withoutRaw.msgIds, undefined);
      // usemysql=1 tracked the two patients once (the failing calls tracked nothing): each one's
      // attributes from its newest record, and its record count
      const tracked = await backbone.fetch({ topic: 'tml-tmlids', partition: 0, offset: 0, maxRecords: 100 });
      const tmlids = tracked.records.map(
        (r) =>
          JSON.parse(r.value!.toString()) as {
            tmlid: string;
            topic: string;
            attributes: Record<string, string>;
            records: number;
          },
      );
      const of = (topic: string | undefined) =>
        Object.fromEntries(
          tmlids
            .filter((r) => r.topic === topic)
            .map((r) => [r.tmlid, { ...r.attributes, records: r.records }]),
        );
      assert.deepEqual(of(summary.patients), summary.tmlids);
      // and streamcorr's raw JSON with usemysql=1 tracked its two patients
      assert.deepEqual(of(summary.vitals), summary.corrtmlids);
      assert.equal(tmlids.length, 4);
      assert.deepEqual(
        tracked.records.map((r) => r.key?.toString()),
        tmlids.map((r) => r.tmlid),
      );
      // streamquerybatch's solution, with array=1 and wherecondition=(south) on site: its first run
      // queries the newest south row
      await eventually(async () => {
        const out = await backbone.fetch({
          topic: summary.batch?.topic ?? '',
          partition: 0,
          offset: 0,
          maxRecords: 10,
        });
        const first = JSON.parse(out.records[0]?.value?.toString() ?? '{}') as {
          inputs?: Record<string, { offset: number }>;
          result?: number;
        };
        assert.equal(first.inputs?.A?.offset, summary.batch?.offset);
        assert.equal(first.result, 1);
      }, 20_000);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
