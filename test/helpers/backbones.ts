// Every backbone the tests can run on, as factories: a test file registers its tests once per
// available backbone, so behaviour is checked on the embedded store and (when a broker is there)
// on Kafka alike. Adding a backbone is one more entry in `backboneFactories`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, after } from 'node:test';
import { EmbeddedBackbone, type EmbeddedOptions } from '../../src/backbone/embedded/embedded-backbone.js';
import type { Backbone, ConsumedRecord } from '../../src/backbone/types.js';
import type { ConformanceOptions } from '../backbone/conformance.js';
import { kafkaEnv } from './kafka.js';

/** One prepared backbone environment: `open()` opens the same storage every time it is called. */
export interface BackboneEnv {
  name: string;
  open(): Promise<Backbone>;
  /** Removes what `setup` created (the temp data directory; Kafka: nothing or its test topics). */
  cleanup(): Promise<void>;
  /** Knobs the conformance suite needs for this implementation. */
  conformance: ConformanceOptions;
}

export interface BackboneFactory {
  name: string;
  /** Prepares an environment, or answers why this backbone cannot run here (the tests are skipped). */
  setup(): Promise<BackboneEnv | { unavailable: string }>;
}

/** The embedded backbone in a fresh temporary data directory. */
export async function embeddedEnv(
  options: Omit<EmbeddedOptions, 'dataDir'> = {},
): Promise<BackboneEnv & { dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tml-backbone-'));
  return {
    name: 'embedded',
    dataDir,
    open: () => EmbeddedBackbone.open({ maintenanceIntervalMs: 0, ...options, dataDir }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
    conformance: {
      runCleanup: (backbone) => (backbone as EmbeddedBackbone).runMaintenance(),
      cleanupTimeoutMs: 2000,
      rebalanceTimeoutMs: 2000,
      wakeWithinMs: 200,
    },
  };
}

export const backboneFactories: BackboneFactory[] = [
  { name: 'embedded', setup: () => embeddedEnv() },
  // the Kafka cluster under test: TML_KAFKA_BROKERS, or the local broker scripts/run-tests.js starts
  { name: 'kafka', setup: () => kafkaEnv() },
];

/**
 * Registers `register(env)` inside a `describe(<backbone name>)` for every backbone factory; the
 * unavailable ones appear as skipped. Call it at the top level of a test file (it awaits set-up).
 */
export async function forEachBackbone(register: (env: BackboneEnv) => void): Promise<void> {
  for (const factory of backboneFactories) {
    const env = await factory.setup();
    if ('unavailable' in env) {
      describe(factory.name, { skip: env.unavailable }, () => {});
      continue;
    }
    describe(env.name, () => {
      after(() => env.cleanup());
      register(env);
    });
  }
}

/** Every record of a topic as it stands now, partition by partition, in offset order. */
export async function readTopic(backbone: Backbone, topic: string): Promise<ConsumedRecord[]> {
  const out: ConsumedRecord[] = [];
  for (const { partition, latest } of await backbone.listOffsets(topic)) {
    for (let offset = 0; offset < latest;) {
      const { records } = await backbone.fetch({
        topic,
        partition,
        offset,
        maxRecords: 5000,
        maxBytes: 64 << 20,
      });
      if (records.length === 0) break;
      out.push(...records);
      offset = records[records.length - 1].offset + 1;
    }
  }
  return out;
}
