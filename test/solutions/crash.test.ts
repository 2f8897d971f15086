// kill -9 of a worker at random moments, again and again, while rows arrive: every input row gets
// exactly one prediction in the output topic, and every model version is published exactly once —
// because a step's predictions, model versions and input offsets commit in one store transaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBackbone } from '../../src/backbone/embedded/embedded-backbone.js';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { CRASH_SPEC, CRASH_TOPIC, crashRow } from './fixtures/crash-solution.js';
import { readTopic } from '../helpers/backbones.js';
import { sleep } from '../helpers/wait.js';

const KILLS = 8;
const INITIAL_ROWS = 100;

function startChild(args: string[]) {
  const here = import.meta.url;
  const fromSources = here.endsWith('.ts');
  const script = fileURLToPath(new URL(`./fixtures/solution-child.${fromSources ? 'ts' : 'js'}`, here));
  const child = spawn(process.execPath, [...(fromSources ? ['--import', 'tsx'] : []), script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const waitFor = async (text: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes(text)) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`child exited before "${text}": ${err}`);
      if (Date.now() > deadline) throw new Error(`no "${text}" within ${timeoutMs} ms: ${err}`);
      await sleep(20);
    }
  };
  return { child, exited, waitFor, stderr: () => err, stdout: () => out };
}

test(`solutions crash: ${KILLS} kill -9s of a worker; every row predicted exactly once`, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-solution-crash-'));
  try {
    let backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    await backbone.createTopic({ name: CRASH_TOPIC });
    await backbone.produce(
      CRASH_TOPIC,
      Array.from({ length: INITIAL_ROWS }, (_, i) => ({ value: JSON.stringify(crashRow(i)) })),
    );
    await (await openSolutionCatalog(backbone)).create(CRASH_SPEC);
    await backbone.close();

    let killedMidStep = 0;
    for (let round = 0; round < KILLS; round++) {
      backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
      const [{ latest }] = await backbone.listOffsets(CRASH_TOPIC);
      await backbone.close();
      const child = startChild([dataDir, 'run', String(latest)]);
      await child.waitFor('ready', 15_000);
      await sleep(200 + Math.random() * 900);
      child.child.kill('SIGKILL');
      assert.equal(await child.exited, 'SIGKILL', child.stderr());
      // killed while rows were arriving and being predicted, not before it started working
      if (child.stdout().includes('appended')) killedMidStep++;
    }
    const drain = startChild([dataDir, 'drain']);
    await drain.waitFor('drained', 60_000);
    assert.equal(await drain.exited, 0, drain.stderr());

    backbone = await EmbeddedBackbone.open({ dataDir, maintenanceIntervalMs: 0 });
    try {
      const [{ latest }] = await backbone.listOffsets(CRASH_TOPIC);
      assert.ok(latest > INITIAL_ROWS + KILLS * 20, `rows were appended between kills (${latest})`);
      const predictions = (await readTopic(backbone, `${CRASH_SPEC.name}-predictions`)).map(
        (r) => JSON.parse(r.value!.toString()) as { offsets: Record<string, number>; prediction: number },
      );
      const offsets = predictions.map((p) => p.offsets[`${CRASH_TOPIC}/0`]);
      // the first model learnt from the initial rows; from then on every row, once, in order
      assert.deepEqual(
        offsets,
        Array.from({ length: latest - INITIAL_ROWS }, (_, i) => INITIAL_ROWS + i),
        'each row after the first model has exactly one prediction',
      );
      const versions = (await readTopic(backbone, `${CRASH_SPEC.name}-params`)).map(
        (r) => (JSON.parse(r.value!.toString()) as { version: number }).version,
      );
      assert.deepEqual(
        versions,
        Array.from({ length: versions.length }, (_, i) => i + 1),
        'each version published once',
      );
      assert.ok(killedMidStep >= KILLS - 1, `${killedMidStep} of ${KILLS} kills hit a working worker`);
    } finally {
      await backbone.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
