// The deployment, run for real (deploy/ci.sh runs this file after building the images): the
// Kubernetes manifests of deploy/k8s played with `podman play kube` beside the test Kafka image,
// then the seed flow through the real maadstml client against the containerised server, solutions
// predicting on two worker pods, one worker killed with SIGKILL and its solutions running elsewhere
// within the session timeout, and Kafka and the server restarted with every topic and record kept.
// Bad settings: the container exits at once naming the variable; a worker with a namespace no
// server uses says so and exits; a server started before its brokers waits for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { TmlClient } from '../../src/client/index.js';
import { generateToken } from '../../src/server/auth/tokens.js';
import { ROOT } from '../cli/tml.js';
import { ensureClient, runScript } from '../server/python-venv.js';
import { addressOf, hasPodman, podman, podmanOk } from './podman.js';

const IMAGE = 'localhost/tml:dev';
const KAFKA_IMAGE = 'localhost/tml-kafka:dev';
const NETWORK = 'tml-deploy-test';
const KAFKA = 'tml-deploy-test-kafka';
const KAFKA_VOLUME = 'tml-deploy-test-kafka-data';
const K8S = join(ROOT, 'deploy', 'k8s');
const SERVE = 'tml-serve-pod-0-serve';
/** The pod play kube made for the server's StatefulSet replica (its containers are `<pod>-<name>`). */
const SERVE_POD = 'tml-serve-pod-0';
const WORKERS = ['tml-worker-pod-0-worker', 'tml-worker-pod-1-worker'];
const SOLUTIONS = 6;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const healthy = (url: string) => async () =>
  (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok ? true : undefined;

async function cleanUp(): Promise<void> {
  for (const file of ['worker.yaml', 'serve.yaml']) await podman(['play', 'kube', '--down', join(K8S, file)]);
  await podman(['rm', '-f', '-t', '0', KAFKA]);
  await podman(['secret', 'rm', 'tml-secrets']);
  await podman(['volume', 'rm', '-f', KAFKA_VOLUME]);
  await podman(['network', 'rm', '-f', NETWORK]);
}

/** The Secret of deploy/k8s with this run's values, as podman 4.3 stores one: key → base64. */
function secretFor(values: Record<string, string>, dir: string): string {
  const manifest = parse(readFileSync(join(K8S, 'secret.yaml'), 'utf8')) as {
    stringData: Record<string, string>;
  };
  const data: Record<string, string> = {};
  for (const key of Object.keys(manifest.stringData)) {
    data[key] = Buffer.from(values[key] ?? '').toString('base64');
  }
  const file = join(dir, 'secret.json');
  writeFileSync(file, JSON.stringify(data), { mode: 0o600 });
  return file;
}

/** The ConfigMap of deploy/k8s with this run's cluster (a one-broker Kafka named `kafka`). */
function configFor(overrides: Record<string, string>, dir: string): string {
  const manifest = parse(readFileSync(join(K8S, 'config.yaml'), 'utf8')) as { data: Record<string, string> };
  Object.assign(manifest.data, overrides);
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(manifest));
  return file;
}

function row(i: number, k: number): string {
  const a = ((i * 31 + k * 7) % 100) / 10;
  const b = ((i * 17 + k * 3) % 100) / 10;
  return JSON.stringify({ a, b, y: (k + 1) * a - 2 * b + Math.sin(i) * 0.05 });
}

test('bad settings stop the container at once, naming the variable', { timeout: 120_000 }, async (t) => {
  assert.ok(await hasPodman(), 'podman is needed (deploy/ci.sh installs it)');
  for (const [variable, value] of [
    ['TML_PORT', 'eighty'],
    ['TML_KAFKA_BROKERS', 'kafka'],
    ['TML_ADMIN_TOKEN_FILE', '/run/secrets/missing'],
    ['TML_ADMIN_TOKEN', 'not-a-token'],
    ['TML_LOG_LEVEL', 'loud'],
  ]) {
    const started = Date.now();
    const result = await podman(['run', '--rm', '-e', `${variable}=${value}`, IMAGE]);
    const elapsed = Date.now() - started;
    const lines = result.stderr.trim().split('\n');
    assert.equal(result.code, 2, `${variable}: exit code 2, got ${result.code}: ${result.stderr}`);
    assert.equal(lines.length, 1, `one line: ${result.stderr}`);
    assert.match(lines[0], new RegExp(`^tml: .*${variable}`));
    t.diagnostic(`${variable}=${value}: exit 2 after ${elapsed} ms (podman run included): ${lines[0]}`);
  }
});

test(
  'the image on the embedded backbone: ready, healthy, its data kept in the volume',
  { timeout: 180_000 },
  async (t) => {
    assert.ok(await hasPodman(), 'podman is needed (deploy/ci.sh installs it)');
    const name = 'tml-deploy-test-embedded';
    const volume = 'tml-deploy-test-embedded-data';
    const removeAll = async () => {
      await podman(['rm', '-f', '-t', '0', name]);
      await podman(['volume', 'rm', '-f', volume]);
    };
    await removeAll();
    t.after(removeAll);
    const times: number[] = [];
    let token = '';
    for (const round of [1, 2]) {
      const started = Date.now();
      if (round === 1) await podmanOk(['run', '-d', '--name', name, '-v', `${volume}:/data`, IMAGE]);
      else await podmanOk(['start', name]);
      const url = `http://${await addressOf(name, 'podman')}:8000`;
      await until('the embedded server to be ready', 60_000, healthy(url));
      times.push(Date.now() - started);
      assert.equal((await podman(['healthcheck', 'run', name])).code, 0, 'the image health check passes');
      const stored = await podmanOk(['exec', name, 'cat', '/data/admin.tok']);
      if (round === 1) token = stored;
      // the same admin token after the restart: the data directory is the volume's
      else assert.equal(stored, token);
      const topics = await fetch(`${url}/v1/topics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(topics.status, 200);
      await podmanOk(['stop', '-t', '10', name]);
    }
    t.diagnostic(
      `start to ready (podman run/start until /healthz answers): first ${times[0]} ms, again ${times[1]} ms`,
    );
  },
);

test(
  'the Kubernetes manifests run on podman: seed flow, solutions, a killed worker, restarts',
  { timeout: 1_500_000 },
  async (t) => {
    assert.ok(await hasPodman(), 'podman is needed (deploy/ci.sh installs it)');
    const dir = mkdtempSync(join(tmpdir(), 'tml-deploy-'));
    await cleanUp();
    t.after(async () => {
      if (process.env.TML_DEPLOY_KEEP !== '1') await cleanUp();
      rmSync(dir, { recursive: true, force: true });
    });
    const admin = generateToken('admin', 'deploy test');
    await podmanOk(['network', 'create', NETWORK]);
    await podmanOk(['secret', 'create', 'tml-secrets', secretFor({ 'admin-token': admin.token }, dir)]);
    const configMap = configFor(
      {
        TML_KAFKA_BROKERS: 'kafka:9092',
        TML_NAMESPACE: 'podtest',
        TML_DEFAULT_REPLICATION_FACTOR: '1',
        TML_DEFAULT_PARTITIONS: '1',
        TML_LOG_LEVEL: 'warn',
      },
      dir,
    );
    const play = (file: string) =>
      podmanOk(['play', 'kube', '--network', NETWORK, '--configmap', configMap, join(K8S, file)]);

    // the server first: its brokers are not up yet, so it waits with backoff
    let started = Date.now();
    await play('serve.yaml');
    await until('the server to wait for its brokers', 60_000, async () =>
      (await podman(['logs', SERVE])).stderr.includes('waiting for the Kafka brokers kafka:9092')
        ? true
        : undefined,
    );
    const kafkaStarted = Date.now();
    await podmanOk([
      'run',
      '-d',
      '--name',
      KAFKA,
      '--network',
      NETWORK,
      '--network-alias',
      'kafka',
      '-e',
      'KAFKA_ADVERTISED_HOST=kafka',
      '-v',
      `${KAFKA_VOLUME}:/var/lib/kafka`,
      KAFKA_IMAGE,
    ]);
    const url = `http://${await addressOf(SERVE, NETWORK)}:8000`;
    await until('the server to be ready', 120_000, healthy(url));
    t.diagnostic(
      `server ready ${Date.now() - kafkaStarted} ms after Kafka's start (${kafkaStarted - started} ms of waiting before)`,
    );
    // podman turns the manifest's httpGet probes into curl commands the image does not have; the
    // image's own health check is run instead
    assert.equal((await podman(['exec', SERVE, 'node', '/app/deploy/healthcheck.js'])).code, 0);
    const waited = (await podman(['logs', SERVE])).stderr
      .split('\n')
      .filter((l) => l.includes('waiting for'));
    assert.ok(waited.length >= 1 && waited.every((l) => /next try in \d+ ms/.test(l)), waited.join('\n'));

    started = Date.now();
    await play('worker.yaml');
    for (const worker of WORKERS) {
      await until(`${worker} to run`, 60_000, async () =>
        (await podman(['logs', worker])).stderr.includes('tml: worker') ? true : undefined,
      );
    }
    t.diagnostic(`two workers in their group ${Date.now() - started} ms after play kube`);

    // a worker given a namespace no server uses says so and exits
    const stray = await podman([
      'run',
      '--rm',
      '--network',
      NETWORK,
      '-e',
      'TML_KAFKA_BROKERS=kafka:9092',
      '-e',
      'TML_NAMESPACE=nosuch',
      IMAGE,
      'worker',
    ]);
    assert.equal(stray.code, 2, stray.stderr);
    assert.match(stray.stderr, /TML_NAMESPACE='nosuch': the Kafka cluster has no solutions catalog/);

    // the seed flow through the real maadstml client
    ensureClient();
    const tokenFile = join(dir, 'admin.tok');
    writeFileSync(tokenFile, admin.token, { mode: 0o600 });
    started = Date.now();
    const seed = await runScript('seed_flow.py', [url.replace(/:8000$/, ''), '8000', tokenFile], {
      TML_SEED_REPLICATION: '1',
    });
    assert.equal(seed.status, 0, `seed_flow.py failed:\n${seed.stderr}\n${seed.stdout.slice(-2000)}`);
    const summary = JSON.parse(seed.stdout.trim().split('\n').at(-1) ?? '{}') as {
      ok?: boolean;
      checks?: number;
    };
    assert.equal(summary.ok, true);
    assert.ok((summary.checks ?? 0) > 1700, `checks: ${summary.checks}`);
    t.diagnostic(`seed flow: ${summary.checks} checks in ${Date.now() - started} ms`);

    // solutions, spread over the group (two worker pods and the server's own worker)
    const client = new TmlClient({ url, token: admin.token });
    const inputs = Array.from({ length: SOLUTIONS }, (_, k) => `pod-input-${k}`);
    const names = inputs.map((_, k) => `pod-solution-${k}`);
    const producers: string[] = [];
    for (let k = 0; k < SOLUTIONS; k++) {
      producers.push((await client.createTopic({ topic: inputs[k], partitions: 1 })).producerId);
      await client.produceBulk(
        inputs[k],
        producers[k],
        Array.from({ length: 60 }, (_, i) => row(i, k)),
      );
      await client.createSolution({
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
    let next = 60;
    let producing = true;
    const producer = (async () => {
      while (producing) {
        for (let k = 0; k < SOLUTIONS; k++) {
          await client
            .produceBulk(inputs[k], producers[k], [row(next, k), row(next + 1, k)])
            .catch(() => undefined);
        }
        next += 2;
        await sleep(200);
      }
    })();
    const solutions = async () => (await client.listSolutions()).filter((v) => names.includes(v.name));
    const owners = await until('every solution predicting', 180_000, async () => {
      const views = await solutions();
      if (views.length !== SOLUTIONS || views.some((v) => !v.status?.worker || v.status.predictions < 1))
        return;
      return new Map(views.map((v) => [v.name, v.status!.worker!]));
    });
    t.diagnostic(`owners: ${JSON.stringify([...owners])}`);
    // the worker's client id carries its host name, which is the pod's name
    const onWorker = (pod: string) => [...owners].filter(([, w]) => w.includes(pod)).map(([name]) => name);
    const [victim, orphans] = WORKERS.map((c) => [c, onWorker(c.replace(/-worker$/, ''))] as const).sort(
      (a, b) => b[1].length - a[1].length,
    )[0];
    assert.ok(orphans.length >= 1, `a worker pod runs solutions: ${JSON.stringify([...owners])}`);
    const before = new Map((await solutions()).map((v) => [v.name, v.status!.predictions]));

    // SIGKILL, and the container removed at once so that the restart policy does not bring it back
    await podmanOk(['rm', '-f', '-t', '0', victim]);
    const killedAt = Date.now();
    const handedOver = await until('the killed worker’s solutions to run elsewhere', 90_000, async () => {
      const views = (await solutions()).filter((v) => orphans.includes(v.name));
      const victimPod = victim.replace(/-worker$/, '');
      const moved = views.every(
        (v) =>
          v.status?.worker !== undefined &&
          !v.status.worker.includes(victimPod) &&
          v.status.updatedAt > killedAt &&
          v.status.predictions > (before.get(v.name) ?? 0),
      );
      return moved ? Date.now() - killedAt : undefined;
    });
    // the workers' session timeout is 10 s (worker.yaml); then a rebalance
    assert.ok(handedOver < 30_000, `handed over in ${handedOver} ms`);
    t.diagnostic(
      `${orphans.length} solutions of the killed worker predicting elsewhere ${handedOver} ms after the kill`,
    );
    producing = false;
    await producer;

    // restarts: Kafka (its volume) and the server; every topic and record is still there
    await sleep(2000);
    const snapshot = new Map((await client.listTopics()).map((s) => [s.topic, s.records]));
    assert.ok(snapshot.size > SOLUTIONS + 3, `topics: ${[...snapshot.keys()].join(', ')}`);
    let restarted = Date.now();
    await podmanOk(['restart', '-t', '20', KAFKA]);
    await until('the server to answer again after Kafka’s restart', 180_000, healthy(url));
    t.diagnostic(`server answering ${Date.now() - restarted} ms after Kafka's restart began`);
    restarted = Date.now();
    await podmanOk(['stop', '-t', '20', SERVE]);
    const stopped = Date.now();
    // play kube's exit policy then stops the pod's infra container too, a moment later: a container
    // started while that stop is under way fails ("cannot get namespace path unless container ... is
    // running"). Wait for the pod to be Exited (a pod that keeps its infra stays Degraded: then go on
    // after the wait), then start the pod, which starts its infra and the server.
    await until('the server pod to exit after the stop', 15_000, async () => {
      const state = await podmanOk(['pod', 'inspect', '--format', '{{.State}}', SERVE_POD]);
      return state === 'Exited' || state === 'Stopped' ? state : undefined;
    }).catch(() => undefined);
    await podmanOk(['pod', 'start', SERVE_POD]);
    // the pod stopped with its only container (play kube's exit policy): a new address
    const urlAfter = `http://${await addressOf(SERVE, NETWORK)}:8000`;
    await until('the restarted server to be ready', 180_000, healthy(urlAfter));
    t.diagnostic(
      `server stopped in ${stopped - restarted} ms (SIGTERM: its solutions finish their step), ` +
        `ready ${Date.now() - stopped} ms after podman start (on Kafka)`,
    );
    const clientAfter = new TmlClient({ url: urlAfter, token: admin.token });
    const after = new Map((await clientAfter.listTopics()).map((s) => [s.topic, s.records]));
    for (const [topic, records] of snapshot) {
      assert.ok(after.has(topic), `topic ${topic} kept`);
      // inputs and the seed's topics are quiet now: exactly the same; outputs may have grown
      if (inputs.includes(topic) || topic.startsWith('viper')) assert.equal(after.get(topic), records, topic);
      else assert.ok((after.get(topic) ?? 0) >= records, `${topic}: ${after.get(topic)} >= ${records}`);
    }
    t.diagnostic(
      `${snapshot.size} topics, ${[...snapshot.values()].reduce((a, b) => a + b, 0)} records kept`,
    );
  },
);
