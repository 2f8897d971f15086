// The Kafka side of `npm run bench:backbone`: the cluster named by TML_KAFKA_BROKERS, or the local
// broker (scripts/kafka.sh), started for the run and stopped after when it was not running.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { KafkaBackbone } from '../src/backbone/kafka/index.js';
import type { Backbone } from '../src/backbone/types.js';
import type { BenchRow } from './backbone.js';

export interface KafkaTarget {
  brokers: string[];
  open(): Promise<Backbone>;
  /** Stops the local broker if this run started it. */
  release(): void;
}

/** The Kafka cluster to measure, or a reason why there is none. */
export function kafkaTarget(root: string): KafkaTarget | { unavailable: string } {
  const script = join(root, 'scripts', 'kafka.sh');
  let brokers = process.env.TML_KAFKA_BROKERS?.split(',').map((b) => b.trim());
  let started = false;
  if (!brokers) {
    const running = spawnSync('bash', [script, 'status']).status === 0;
    if (!running) {
      const start = spawnSync('bash', [script, 'start', '--fresh'], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      if (start.status !== 0) return { unavailable: 'the local Kafka broker did not start (see above)' };
      started = true;
    }
    const env = spawnSync('bash', [script, 'env'], { encoding: 'utf8' }).stdout;
    brokers = /^TML_KAFKA_BROKERS=(.*)$/m.exec(env)?.[1].split(',');
    if (!brokers) return { unavailable: 'scripts/kafka.sh env named no broker' };
  }
  const target = brokers;
  return {
    brokers: target,
    open: async () => {
      const kafka = new KafkaBackbone({ brokers: target, clientId: 'tml-bench' });
      await kafka.connect();
      return kafka;
    },
    release: () => {
      if (started) spawnSync('bash', [script, 'stop'], { stdio: 'inherit' });
    },
  };
}

/** One line per case: Kafka's figure over the embedded backbone's, measured in the same run. */
export function ratioTable(rows: BenchRow[], over = 'kafka', under = 'embedded'): string {
  const lines = ['operation  record  batch  kafka/s      embedded/s   kafka ÷ embedded'];
  for (const r of rows.filter((x) => x.backbone === over)) {
    const base = rows.find(
      (x) =>
        x.backbone === under &&
        x.operation === r.operation &&
        x.recordBytes === r.recordBytes &&
        x.batch === r.batch,
    );
    if (!base) continue;
    lines.push(
      [
        r.operation.padEnd(9),
        `${r.recordBytes} B`.padStart(6),
        String(r.batch).padStart(6),
        r.recordsPerSecond.toLocaleString('en').padStart(11),
        base.recordsPerSecond.toLocaleString('en').padStart(12),
        `${(r.recordsPerSecond / base.recordsPerSecond).toFixed(3)}×`.padStart(17),
      ].join('  '),
    );
  }
  return lines.join('\n');
}

/** The ratios as data, for bench/results/backbone.json. */
export function ratios(rows: BenchRow[], over = 'kafka', under = 'embedded') {
  return rows
    .filter((r) => r.backbone === over)
    .flatMap((r) => {
      const base = rows.find(
        (x) =>
          x.backbone === under &&
          x.operation === r.operation &&
          x.recordBytes === r.recordBytes &&
          x.batch === r.batch,
      );
      return base
        ? [
            {
              operation: r.operation,
              recordBytes: r.recordBytes,
              batch: r.batch,
              ratio: Math.round((r.recordsPerSecond / base.recordsPerSecond) * 1000) / 1000,
            },
          ]
        : [];
    });
}
