#!/usr/bin/env node
// Runs every compiled test file with Node's own test runner. Node 20's `--test` takes no globs,
// so the files are listed here. Usage: node scripts/run-tests.js [substring ...]
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = walk(testRoot)
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// Kafka: tests that touch a backbone run on both backbones. Unless TML_KAFKA_BROKERS names a cluster,
// the local broker (scripts/kafka.sh) is started for them and stopped after. Under CI=true a broker
// that cannot start fails the run; elsewhere the Kafka tests are skipped with a warning.
const env = { ...process.env };
let startedKafka = false;
const needsKafka = files.some((f) =>
  /helpers\/(backbones|kafka)|backbone\/kafka\//.test(readFileSync(f, 'utf8')),
);
if (needsKafka && !env.TML_KAFKA_BROKERS && env.TML_KAFKA !== 'off') {
  const kafka = (...args) =>
    spawnSync('bash', [join(root, 'scripts', 'kafka.sh'), ...args], { cwd: root, encoding: 'utf8' });
  const running = kafka('status').status === 0;
  const started = running ? { status: 0 } : kafka('start', '--fresh');
  if (!running && started.stderr) process.stderr.write(started.stderr);
  if (started.status === 0) {
    startedKafka = !running;
    for (const line of kafka('env').stdout.split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
    }
    // the fault test may stop and start this broker; never one it did not start
    env.TML_KAFKA_MANAGED = '1';
  } else if (env.CI === 'true') {
    console.error('\nFATAL: the local Kafka broker could not start (CI=true): see the output above.');
    process.exit(1);
  } else {
    console.error('\nWARNING: the local Kafka broker could not start; Kafka tests will be skipped.\n');
  }
  const stop = () => {
    if (startedKafka) kafka('stop');
    startedKafka = false;
  };
  process.on('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
}

// The tests find the cluster under TML_TEST_KAFKA_BROKERS (test/helpers/kafka.ts); TML_KAFKA_BROKERS
// itself is removed, or every `tml` child process a test starts would silently run on Kafka.
if (env.TML_KAFKA_BROKERS) {
  env.TML_TEST_KAFKA_BROKERS = env.TML_KAFKA_BROKERS;
  delete env.TML_KAFKA_BROKERS;
}

const concurrency = process.env.TML_TEST_CONCURRENCY ?? '1';
const result = spawnSync(
  process.execPath,
  ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit', cwd: root, env },
);
process.exit(result.status ?? 1);
