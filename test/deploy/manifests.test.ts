// The deployment files checked as data (podman runs serve.yaml and worker.yaml in deploy/ci.sh;
// KEDA's ScaledObject and the compose file are checked here only): every name they share agrees,
// every variable they set is one tml reads, and the KEDA trigger watches the group and topic the
// workers really use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/config.js';
import { DEFAULT_CATALOG_PARTITIONS, solutionTopics, workerGroup } from '../../src/solutions/topics.js';
import { ROOT } from '../cli/tml.js';

const K8S = join(ROOT, 'deploy', 'k8s');

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  envFrom?: { configMapRef: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: {
    replicas?: number;
    selector?: { matchLabels: Record<string, string> } | Record<string, string>;
    template?: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } };
    ports?: { port: number; targetPort: string }[];
    scaleTargetRef?: { name: string };
    maxReplicaCount?: number;
    minReplicaCount?: number;
    triggers?: { type: string; metadata: Record<string, string> }[];
  };
}

function manifests(): Manifest[] {
  return readdirSync(K8S)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseAllDocuments(readFileSync(join(K8S, f), 'utf8')).map((d) => d.toJS() as Manifest));
}

const byKind = (all: Manifest[], kind: string, name: string): Manifest => {
  const found = all.find((m) => m.kind === kind && m.metadata.name === name);
  assert.ok(found, `${kind} ${name}`);
  return found;
};

test('the Deployments read the ConfigMap and Secret that exist, and the settings are valid', () => {
  const all = manifests();
  const config = byKind(all, 'ConfigMap', 'tml-config');
  const secret = byKind(all, 'Secret', 'tml-secrets');
  // the ConfigMap as a container sees it: loadConfig accepts it (a bad value would stop every pod)
  const loaded = loadConfig(config.data ?? {});
  assert.ok(loaded.kafka, 'the manifests run tml on Kafka');
  for (const name of ['tml-serve', 'tml-worker']) {
    const deployment = byKind(all, 'Deployment', name);
    const template = deployment.spec!.template!;
    const selector = (deployment.spec!.selector as { matchLabels: Record<string, string> }).matchLabels;
    for (const [key, value] of Object.entries(selector)) assert.equal(template.metadata.labels[key], value);
    const [container] = template.spec.containers;
    assert.equal(container.image, 'tml:latest');
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: 'tml-config' } }]);
    for (const variable of container.env ?? []) {
      assert.match(variable.name, /^TML_/);
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref) {
        assert.equal(ref.name, 'tml-secrets');
        assert.ok(ref.key in (secret.stringData ?? {}), `${name}: the Secret has ${ref.key}`);
      }
    }
  }
  const worker = byKind(all, 'Deployment', 'tml-worker').spec!;
  assert.equal(worker.template!.spec.containers[0].args?.[0], 'worker');
  assert.ok((worker.replicas ?? 1) >= 2, 'two workers at least');
});

test('the server answers probes on /healthz and the Service reaches its port', () => {
  const all = manifests();
  const serve = byKind(all, 'Deployment', 'tml-serve');
  const [container] = serve.spec!.template!.spec.containers;
  assert.deepEqual(container.ports, [{ name: 'http', containerPort: 8000 }]);
  assert.deepEqual(container.readinessProbe?.httpGet, { path: '/healthz', port: 'http' });
  assert.deepEqual(container.livenessProbe?.httpGet, { path: '/healthz', port: 'http' });
  const service = byKind(all, 'Service', 'tml');
  assert.equal(service.spec!.ports![0].targetPort, 'http');
  const labels = serve.spec!.template!.metadata.labels;
  for (const [key, value] of Object.entries(service.spec!.selector as Record<string, string>)) {
    assert.equal(labels[key], value, `the Service selects the server's pods (${key})`);
  }
  // the image's default port (Containerfile: TML_PORT=8000) is the one the probes use
  assert.match(readFileSync(join(ROOT, 'Containerfile'), 'utf8'), /TML_PORT=8000/);
});

test('KEDA scales the workers on the lag of their group on the namespace’s catalog', () => {
  const all = manifests();
  const config = byKind(all, 'ConfigMap', 'tml-config').data!;
  const scaled = byKind(all, 'ScaledObject', 'tml-worker').spec!;
  assert.equal(scaled.scaleTargetRef?.name, 'tml-worker');
  const [trigger] = scaled.triggers!;
  assert.equal(trigger.type, 'kafka');
  assert.equal(trigger.metadata.consumerGroup, workerGroup(config.TML_NAMESPACE));
  assert.equal(trigger.metadata.topic, solutionTopics(config.TML_NAMESPACE).catalog);
  assert.equal(trigger.metadata.bootstrapServers, config.TML_KAFKA_BROKERS);
  // more workers than catalog partitions would idle
  assert.ok(scaled.maxReplicaCount! <= DEFAULT_CATALOG_PARTITIONS);
  assert.ok(scaled.minReplicaCount! >= 1);
  const kustomization = parse(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')) as {
    resources: string[];
  };
  for (const file of kustomization.resources) assert.ok(readdirSync(K8S).includes(file), file);
});

test('the compose file runs Kafka, a server and two workers on one namespace', () => {
  const compose = parse(readFileSync(join(ROOT, 'deploy', 'compose.yaml'), 'utf8')) as {
    services: Record<
      string,
      { command?: string[]; environment?: Record<string, string>; depends_on?: unknown }
    >;
  };
  const services = compose.services;
  assert.deepEqual(Object.keys(services).sort(), ['kafka', 'serve', 'worker-1', 'worker-2']);
  assert.deepEqual(services.serve.command, ['serve']);
  for (const worker of ['worker-1', 'worker-2']) {
    assert.equal(services[worker].command?.[0], 'worker');
    assert.deepEqual(services[worker].environment, services.serve.environment, 'one namespace and cluster');
    // a worker needs the server's catalog (it exits otherwise): it waits for a healthy server
    assert.deepEqual(services[worker].depends_on, { serve: { condition: 'service_healthy' } });
  }
  assert.doesNotThrow(() => loadConfig(services.serve.environment ?? {}));
  assert.equal(services.kafka.environment?.KAFKA_ADVERTISED_LISTENERS, 'PLAINTEXT://kafka:9092');
  assert.equal(services.serve.environment?.TML_KAFKA_BROKERS, 'kafka:9092');
});
