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

export class DemoStreamGenerator {
  #tick = 0;
  #random: () => number;

  constructor(
    /** Rows after which the relation between the streams changes. */
    readonly driftAfter = 1500,
    seed = 7,
  ) {
    this.#random = mulberry32(seed);
  }

  get rows(): number {
    return this.#tick;
  }

  next(): DemoRow {
    const t = this.#tick++;
    const noise = () => (this.#random() - 0.5) * 2;
    const temperature = 18 + 8 * Math.sin(t / 90) + 2 * noise();
    const humidity = 55 + 20 * Math.sin(t / 140 + 1) + 5 * noise();
    const drifted = t >= this.driftAfter;
    // before the drift load peaks for mild temperatures; after it, cooling demand takes over
    const load = drifted
      ? 40 + 0.12 * (temperature - 15) ** 2 + 0.3 * humidity + noise()
      : 60 + 25 * Math.sin(temperature / 4) - 0.2 * humidity + noise();
    return { temperature, humidity, load, drifted };
  }

  /** Appends the next `count` rows to the three stream topics. */
  async produce(
    backbone: Backbone,
    count: number,
    names: DemoStreamNames = DEMO_STREAMS,
  ): Promise<DemoRow[]> {
    const rows = Array.from({ length: count }, () => this.next());
    const timestamp = Date.now();
    await Promise.all([
      backbone.produce(
        names.temperature,
        rows.map((r) => ({ value: r.temperature.toFixed(3), timestamp })),
      ),
      backbone.produce(
        names.humidity,
        rows.map((r) => ({ value: r.humidity.toFixed(3), timestamp })),
      ),
      backbone.produce(
        names.load,
        rows.map((r) => ({ value: r.load.toFixed(3), timestamp })),
      ),
    ]);
    return rows;
  }
}
