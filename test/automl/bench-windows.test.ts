// The AutoML benchmark's inputs (bench/automl/): both sides must read identical bytes and fit the
// same plan, or the comparison in docs/benchmarks.md means nothing. No Python needed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALGORITHMS, MODELRUNS, planFor } from '../../bench/automl/candidates.js';
import { readWindow, writeWindow } from '../../bench/automl/windows.js';

test('a window is written once as little-endian float64 and read back bit for bit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tml-bench-'));
  try {
    const a = writeWindow(dir, 'a', 50, 3, 'nonlinear', 7, 1);
    const b = writeWindow(join(dir, 'again'), 'a', 50, 3, 'nonlinear', 7, 1);
    assert.equal(a.sha256, b.sha256, 'same seed, same bytes');
    assert.notEqual(writeWindow(dir, 'c', 50, 3, 'nonlinear', 8, 1).sha256, a.sha256);

    const bytes = readFileSync(a.file);
    assert.equal(bytes.length, (50 * 3 + 50) * 8);
    const data = readWindow(a);
    assert.equal(data.x[0], bytes.readDoubleLE(0));
    assert.equal(data.y[49], bytes.readDoubleLE((50 * 3 + 49) * 8));
    for (const v of data.x) assert.ok(v >= -2 && v < 2);

    const cls = readWindow(writeWindow(dir, 'k', 200, 5, 'classification', 3, 1));
    const ones = cls.y.reduce((s, v) => s + v, 0);
    assert.ok(cls.y.every((v) => v === 0 || v === 1));
    assert.ok(ones > 40 && ones < 160, `both classes present (${ones} ones)`);

    bytes[0] ^= 1;
    writeFileSync(a.file, bytes);
    assert.throws(() => readWindow(a), /SHA-256 changed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the plan sent to scikit-learn is tml's own: modelruns configurations of the compared families", () => {
  for (const task of ['regression', 'classification'] as const) {
    const plan = planFor(task, 1000, 5, 1);
    assert.equal(plan.length, MODELRUNS[task]);
    for (const c of plan) assert.ok(ALGORITHMS[task].includes(c.algorithm), c.algorithm);
    assert.deepEqual(new Set(plan.map((c) => c.algorithm)), new Set(ALGORITHMS[task]), 'every family tried');
    assert.equal(new Set(plan.map((c) => c.id)).size, plan.length, 'no configuration twice');
    for (const c of plan) {
      const isTree = c.algorithm === 'random_forest' || c.algorithm === 'gbdt';
      assert.equal(c.maxLeaves !== undefined, isTree, `${c.id}: leaf cap made explicit for trees only`);
    }
  }
  assert.deepEqual(planFor('regression', 1000, 5, 1), planFor('regression', 1000, 5, 1), 'deterministic');
});
