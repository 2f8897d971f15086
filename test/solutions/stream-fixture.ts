// Streams with known structure for the solution tests: y = 2·a − 3·b + noise, each variable in its
// own topic (the seed's layout), or all of them as JSON fields of one topic keyed by entity.
import type { Backbone } from '../../src/backbone/types.js';
import { mulberry32 } from '../../src/automl/random.js';

export interface Row {
  a: number;
  b: number;
  y: number;
}

export function makeRows(count: number, seed = 1, weights: [number, number] = [2, -3]): Row[] {
  const random = mulberry32(seed);
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const a = random() * 10;
    const b = random() * 10;
    rows.push({ a, b, y: weights[0] * a + weights[1] * b + (random() - 0.5) * 0.2 });
  }
  return rows;
}

/** Appends rows as three single-variable topics `<prefix>a`, `<prefix>b`, `<prefix>y`. */
export async function produceSplit(backbone: Backbone, prefix: string, rows: Row[]): Promise<void> {
  for (const v of ['a', 'b', 'y'] as const) {
    await backbone.produce(
      `${prefix}${v}`,
      rows.map((r) => ({ value: String(r[v]), partition: 0 })),
    );
  }
}

/** Appends rows to one topic as JSON objects keyed by entity. */
export async function produceKeyed(
  backbone: Backbone,
  topic: string,
  entity: string,
  rows: Row[],
): Promise<void> {
  await backbone.produce(
    topic,
    rows.map((r) => ({ key: entity, value: JSON.stringify(r) })),
  );
}
