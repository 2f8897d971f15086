// Three live streams for the demo: an energy load that depends nonlinearly on temperature and
// humidity, with a drift (the relation changes) after a while — the situation TML exists for.
import type { Backbone } from '../backbone/types.js';

export interface DemoStreamNames {
  load: string;
  temperature: string;
  humidity: string;
}

export const DEMO_STREAMS: DemoStreamNames = {
  load: 'demo-load',
  temperature: 'demo-temperature',
  humidity: 'demo-humidity',
};

/** A seeded generator (mulberry32) so that a demo run can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DemoRow {
  temperature: number;
  humidity: number;
  load: number;
  drifted: boolean;
}

export interface DemoStreamOptions {
  /** Rows after which the relation between the streams changes (default: never). */
  driftAfterRows?: number;
  seed?: number;
}

export class DemoStreamGenerator {
  readonly driftAfterRows: number;
  #tick = 0;
  #random: () => number;

  constructor(options: DemoStreamOptions = {}) {
    this.driftAfterRows = options.driftAfterRows ?? Infinity;
    this.#random = mulberry32(options.seed ?? 7);
  }

  /** Rows generated so far (each stream has one record per row). */
  get rows(): number {
    return this.#tick;
  }

  get drifted(): boolean {
    return this.#tick > this.driftAfterRows;
  }

  next(): DemoRow {
    const t = this.#tick++;
    const noise = () => (this.#random() - 0.5) * 2;
    // Periods of ~250 and ~400 rows: a window of a few hundred rows sees the whole range of both
    // inputs, so the model is not surprised by values it never saw (which would look like drift).
    const temperature = 18 + 8 * Math.sin(t / 40) + 2 * noise();
    const humidity = 55 + 20 * Math.sin(t / 65 + 1) + 5 * noise();
    const drifted = t >= this.driftAfterRows;
    // before the drift load peaks for mild temperatures; after it, cooling demand takes over
    const load = drifted
      ? 40 + 0.12 * (temperature - 15) ** 2 + 0.3 * humidity + noise()
      : 60 + 25 * Math.sin(temperature / 4) - 0.2 * humidity + noise();
    return { temperature, humidity, load, drifted };
  }

  /**
   * Appends the next `count` rows to the three stream topics, to partition 0 of each: a solution
   * joins streams by position (the i-th record of each topic form the i-th row), on partition 0.
   */
  async produce(
    backbone: Backbone,
    count: number,
    names: DemoStreamNames = DEMO_STREAMS,
  ): Promise<DemoRow[]> {
    const rows = Array.from({ length: count }, () => this.next());
    const timestamp = Date.now();
    const records = (pick: (row: DemoRow) => number) =>
      rows.map((row) => ({ value: pick(row).toFixed(3), partition: 0, timestamp }));
    await Promise.all([
      backbone.produce(
        names.temperature,
        records((r) => r.temperature),
      ),
      backbone.produce(
        names.humidity,
        records((r) => r.humidity),
      ),
      backbone.produce(
        names.load,
        records((r) => r.load),
      ),
    ]);
    return rows;
  }
}
