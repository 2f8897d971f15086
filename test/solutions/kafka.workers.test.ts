// Three `tml worker` processes share the solutions through a consumer group on the local Kafka
// broker. One is killed with SIGKILL mid-run: Kafka's rebalancing hands its solutions to the
// others within seconds, its open transactions are fenced and aborted, and in the end every input
// row has exactly one prediction (read_committed) and every model version was published once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { openSolutionCatalog } from '../../src/solutions/catalog.js';
import { solutionTopics } from '../../src/solutions/topics.js';
import { kafkaBrokers, kafkaSkip, openKafka } from '../helpers/kafka.js';
import { uniqueName } from '../helpers/names.js';
import { sleep } from '../helpers/wait.js';
import { BIN, cleanEnv } from '../cli/tml.js';
import { readTopic } from '../helpers/backbones.js';

const SOLUTIONS = 6;
const INITIAL_ROWS = 60;

function row(i: number, k: number): string {
  const a = ((i * 31 + k * 7) % 100) / 10;
  const b = ((i * 17 + k * 3) % 100) / 10;
  return JSON.stringify({ a, b, y: (k + 1) * a - 2 * b + Math.sin(i) * 0.05 });
}

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

test(
  'three workers share solutions on Kafka; kill -9 of one hands them over; exactly once',
  { skip: kafkaSkip(), timeout: 240_000 },
  async (t) => {
    const namespace = uniqueName('ws');
    const kafka = await openKafka();
    const topics = solutionTopics(namespace);
    const workers = new Map<string, { child: ChildProcess; log: () => string }>();
    const inputs = Array.from({ length: SOLUTIONS }, (_, k) => uniqueName(`wsin${k}`));
    const names = inputs.map((_, k) => `sol-${namespace}-${k}`);
    try {
      const catalog = await openSolutionCatalog(kafka, { topics });
      for (let k = 0; k < SOLUTIONS; k++) {
        await kafka.createTopic({ name: inputs[k], partitions: 1 });
        await kafka.produce(
          inputs[k],
          Array.from({ length: INITIAL_ROWS }, (_, i) => ({ value: row(i, k) })),
        );
        await catalog.create({
          name: names[k],
          inputs: [{ topic: inputs[k], variables: ['a', 'b', 'y'] }],
          window: { records: 60 },
          dependentVariable: 'y',
          independentVariables: ['a', 'b'],
          retrain: { everyRecords: 30 },
          automl: { modelruns: 2, algorithms: ['ols', 'ridge'], timeBudgetMs: 1000 },
          drift: { enabled: false },
        });
      }
      const env = cleanEnv({ TML_KAFKA_BROKERS: kafkaBrokers()!.join(','), TML_NAMESPACE: namespace });
      for (const id of ['w1', 'w2', 'w3']) {
        const child = spawn(
          process.execPath,
          [BIN, 'worker', '--client-id', id, '--session-timeout', '6000'],
          {
            env,
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let log = '';
        child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
        workers.set(id, { child, log: () => log });
      }
      const logs = (): string => [...workers].map(([id, w]) => `--- ${id}\n${w.log()}`).join('\n');

      // every solution trained its first model, somewhere
      const owners = await until('a first model for every solution', 90_000, async () => {
        const views = await catalog.list();
        const mine = views.filter((v) => names.includes(v.name));
        if (mine.length !== SOLUTIONS || mine.some((v) => (v.status?.retrains ?? 0) < 1)) return undefined;
        return new Map(mine.map((v) => [v.name, v.status!.worker!]));
      }).catch((error: Error) => assert.fail(`${error.message}\n${logs()}`));
      const perWorker = new Map<string, string[]>();
      for (const [name, worker] of owners) perWorker.set(worker, [...(perWorker.get(worker) ?? []), name]);
      assert.ok(perWorker.size >= 2, `the work is spread: ${JSON.stringify([...perWorker])}`);

      // rows keep arriving; after a while the busiest worker dies without a goodbye
      let next = INITIAL_ROWS;
      let producing = true;
      const producer = (async () => {
        while (producing) {
          for (let k = 0; k < SOLUTIONS; k++) {
            await kafka.produce(inputs[k], [{ value: row(next, k) }, { value: row(next + 1, k) }]);
          }
          next += 2;
          await sleep(100);
        }
      })();
      await sleep(3000);
      const [victim, orphans] = [...perWorker].sort((a, b) => b[1].length - a[1].length)[0];
      workers.get(victim)!.child.kill('SIGKILL');
      const killedAt = Date.now();
      const handedOver = await until('the victim’s solutions to run elsewhere', 60_000, async () => {
        const views = (await catalog.list()).filter((v) => orphans.includes(v.name));
        const moved = views.every(
          (v) =>
            v.status?.worker !== undefined && v.status.worker !== victim && v.status.updatedAt > killedAt,
        );
        return moved ? Date.now() - killedAt : undefined;
      }).catch((error: Error) => assert.fail(`${error.message}\n${logs()}`));
      // session timeout 6 s, then a rebalance and the fencing of the dead worker's transactions
      assert.ok(handedOver < 30_000, `handed over in ${handedOver} ms`);
      t.diagnostic(
        `${orphans.length} solutions of the killed worker ran elsewhere ${handedOver} ms after the kill`,
      );
      await sleep(2000);
      producing = false;
      await producer;

      // every row consumed, then: one prediction per row, one record per model version
      for (let k = 0; k < SOLUTIONS; k++) {
        const view = await catalog.describe(names[k]);
        const group = `tml.solution.${view.name}.${view.createdAt}`;
        const [{ latest }] = await kafka.listOffsets(inputs[k]);
        await until(`${names[k]} to consume every row`, 60_000, async () => {
          const committed = (await kafka.committedOffsets(group))[0]?.offset ?? 0;
          return committed === latest ? true : undefined;
        }).catch((error: Error) => assert.fail(`${error.message}\n${logs()}`));
        const predictions = (await readTopic(kafka, `${names[k]}-predictions`)).map(
          (r) =>
            (JSON.parse(r.value!.toString()) as { offsets: Record<string, number> }).offsets[
              `${inputs[k]}/0`
            ],
        );
        assert.deepEqual(
          predictions,
          Array.from({ length: latest - INITIAL_ROWS }, (_, i) => INITIAL_ROWS + i),
          `${names[k]}: every row after the first model predicted exactly once`,
        );
        const versions = (await readTopic(kafka, `${names[k]}-params`)).map(
          (r) => (JSON.parse(r.value!.toString()) as { version: number }).version,
        );
        assert.deepEqual(
          versions,
          Array.from({ length: versions.length }, (_, i) => i + 1),
          `${names[k]}: versions once each`,
        );
      }
      // the survivors stop cleanly
      for (const [id, { child }] of workers) {
        if (id === victim) continue;
        const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        assert.equal(await exited, 0, logs());
      }
    } finally {
      for (const { child } of workers.values())
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const catalog = await openSolutionCatalog(kafka, { topics }).catch(() => undefined);
      for (const name of names) await catalog?.delete(name).catch(() => undefined);
      for (const topic of [
        ...inputs,
        ...names.flatMap((n) => [`${n}-predictions`, `${n}-params`, `${n}-drift`]),
        ...Object.values(topics),
      ]) {
        await kafka.deleteTopic(topic).catch(() => undefined);
      }
      await kafka.close();
    }
  },
);
