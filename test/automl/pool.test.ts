import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { cancel, cancellationFlag } from '../../src/automl/cancellation.js';
import { runTask } from '../../src/automl/pool/run-task.js';
import type { TrainingTask } from '../../src/automl/pool/tasks.js';
import { TrainingPool } from '../../src/automl/pool/training-pool.js';
import { readWindow, shareWindow } from '../../src/automl/pool/shared-window.js';
import { selectModel, WHOLE_ON_POOL_MAX_PLAN_MS } from '../../src/automl/selection/select.js';
import { estimatedCostNs, planCandidates } from '../../src/automl/selection/candidates.js';
import { getAlgorithm } from '../../src/automl/algorithms/index.js';
import { Model } from '../../src/automl/model.js';
import { InsufficientDataError, InvalidInputError, UnknownAlgorithmError } from '../../src/automl/errors.js';
import { classTarget, generate, linearTarget, sineTarget } from './core-data.js';
import { sleep } from '../helpers/wait.js';

const pool = new TrainingPool({ maxThreads: 2 });
after(() => pool.close());

test('the shared window holds x and y once, readable in place', () => {
  const data = generate(10, 3, sineTarget);
  const window = shareWindow(data);
  assert.ok(window.buffer instanceof SharedArrayBuffer);
  const view = readWindow(window, data.featureNames, data.targetName);
  assert.deepEqual(view.x, data.x);
  assert.deepEqual(view.y, data.y);
  assert.equal(view.x.buffer, window.buffer);
});

test('selection on the pool gives the same leaderboard and champion as inline', async () => {
  const data = generate(600, 4, sineTarget);
  const options = {
    task: 'regression' as const,
    modelruns: 12,
    timeBudgetMs: 60_000,
    algorithms: ['ridge', 'poly2_ridge', 'knn', 'lasso', 'gp'],
    seed: 3,
  };
  const inline = await selectModel(data, options);
  const pooled = await selectModel(data, { ...options, pool, inlineMaxCells: 0 });
  assert.deepEqual(
    pooled.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
    inline.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
  );
  assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
  assert.deepEqual(pooled.champion.normalisation, inline.champion.normalisation);
});

test('the calling thread stays responsive while the pool trains', async () => {
  // 20 features: enough k-NN work (about 200 ms) that the thread's fixed costs of a selection
  // (sharing the window, posting, collecting) do not dominate its utilisation
  const data = generate(8000, 20, sineTarget);
  let last = performance.now();
  let worstGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last);
    last = now;
  }, 1);
  const loopBefore = performance.eventLoopUtilization();
  const result = await selectModel(data, {
    task: 'regression',
    modelruns: 6,
    timeBudgetMs: 60_000,
    algorithms: ['knn', 'ridge'],
    pool,
  });
  const loop = performance.eventLoopUtilization(loopBefore);
  clearInterval(timer);
  assert.ok(result.leaderboard.length === 6);
  // The k-NN evaluations (tens of ms each, hundreds in all) run on the pool: the calling thread
  // is busy only for a small part of the selection. Event-loop utilisation measures that without
  // counting the time a loaded machine keeps the idle thread off the CPU; the worst timer gap is a
  // second, looser check (an evaluation run inline would block for far longer).
  assert.ok(
    loop.utilization < 0.5,
    `the calling thread was busy ${(loop.utilization * 100).toFixed(0)}% of the time`,
  );
  assert.ok(worstGap < 250, `event loop blocked for ${worstGap.toFixed(1)} ms`);
});

test('worker failures come back as leaderboard entries, classification works on the pool', async () => {
  const data = generate(4000, 3, classTarget);
  const result = await selectModel(data, {
    task: 'classification',
    modelruns: 4,
    timeBudgetMs: 60_000,
    algorithms: ['logistic', 'knn'],
    pool,
  });
  assert.equal(result.champion.algorithm, 'logistic');
  assert.ok(result.forecastAccuracy > 0.85);
});

test('a champion refitted early on an idle thread equals the one refitted after the selection', async () => {
  // Tree ensembles run first (longest first); the cheap candidates then leave a thread idle, which
  // refits the leader at that moment. Whichever refit is used, the champion must be the inline one.
  const data = generate(800, 4, sineTarget, 9);
  const options = {
    task: 'regression' as const,
    modelruns: 8,
    timeBudgetMs: 60_000,
    algorithms: ['gbdt', 'random_forest', 'ridge', 'knn', 'lasso'],
    seed: 5,
  };
  const inline = await selectModel(data, options);
  for (let i = 0; i < 3; i++) {
    const pooled = await selectModel(data, { ...options, pool });
    assert.equal(pooled.champion.algorithm, inline.champion.algorithm);
    assert.deepEqual(pooled.champion.hyperparameters, inline.champion.hyperparameters);
    assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
    assert.deepEqual(pooled.champion.metrics, inline.champion.metrics);
  }
});

test('searchMs marks when the last candidate was scored; the champion’s refit comes after it', async () => {
  const data = generate(1500, 4, sineTarget);
  const options = {
    task: 'regression' as const,
    modelruns: 3,
    timeBudgetMs: 60_000,
    algorithms: ['gbdt'],
    seed: 5,
    ensemble: false, // the leaderboard's fits are then exactly the candidates' fits
  };
  // Inline the candidates run one after another, so the search spans all their fits; the refit of
  // the champion on the whole window (more rows than its holdout fit) follows the search.
  await selectModel(data, options); // JIT warm-up
  const inline = await selectModel(data, options);
  const fits = inline.leaderboard.map((e) => e.fitMs);
  assert.ok(inline.searchMs >= fits.reduce((a, b) => a + b, 0), `${inline.searchMs} < Σ ${fits.join(', ')}`);
  // A 100-round GBDT on 1,500 rows takes several ms (the holdout fits above), never under 1 ms.
  assert.ok(inline.elapsedMs - inline.searchMs >= 1, `refit took ${inline.elapsedMs - inline.searchMs} ms`);
  const pooled = await selectModel(data, { ...options, pool, inlineMaxCells: 0 });
  assert.ok(pooled.searchMs >= Math.max(...pooled.leaderboard.map((e) => e.fitMs)));
  assert.ok(pooled.searchMs <= pooled.elapsedMs);
});

test('a refit whose flag is set stops with FitCancelledError; unset, the same task fits', () => {
  const data = generate(2000, 4, sineTarget);
  const window = shareWindow(data);
  for (const algorithm of ['gbdt', 'random_forest']) {
    const task = {
      kind: 'fit' as const,
      ...window,
      task: 'regression' as const,
      algorithm,
      hyperparameters: {},
      featureNames: [...data.featureNames],
      targetName: data.targetName,
      metrics: {},
    };
    const flag = cancellationFlag();
    assert.equal(runTask({ ...task, cancel: flag }).ok, true, `${algorithm} with a flag left unset`);
    cancel(flag);
    const stopped = runTask({ ...task, cancel: flag });
    assert.equal(stopped.ok, false);
    assert.equal(stopped.ok === false && stopped.error.name, 'FitCancelledError');
    // The flag belongs to that task only: the next task on the thread runs normally.
    assert.equal(runTask(task).ok, true);
  }
});

/** `pool`, calling `record` with every task posted to it, before it is run. */
function onPost(pool: TrainingPool, record: (task: TrainingTask) => void): TrainingPool {
  const run = pool.run.bind(pool) as (task: TrainingTask) => Promise<unknown>;
  pool.run = ((task: TrainingTask) => {
    record(task);
    return run(task);
  }) as typeof pool.run;
  return pool;
}

interface Refit {
  algorithm: string;
  hyperparameters: unknown;
  at: number;
  flag?: SharedArrayBuffer;
}

/** The pool, recording the refits posted to it: when, and their cancellation flags. */
function recordingPool(): {
  pool: TrainingPool;
  refits: Refit[];
} {
  const refits: Refit[] = [];
  const recorded = onPost(new TrainingPool({ maxThreads: 2 }), (task) => {
    if (task.kind === 'fit')
      refits.push({
        algorithm: task.algorithm,
        hyperparameters: task.hyperparameters,
        at: performance.now(),
        flag: task.cancel,
      });
  });
  return { pool: recorded, refits };
}

const cancelled = (flag?: SharedArrayBuffer) => flag !== undefined && new Int32Array(flag)[0] === 1;

test('a leader refitted speculatively and then overtaken is cancelled; the champion is the inline one', async () => {
  // Three candidates, two threads: the two GBDTs start, the degree-2 ridge waits for a thread, so
  // a GBDT is the first leader and its refit is posted at once; the ridge then wins (a linear
  // target) and the GBDT refit must be cancelled, the ridge refitted. (Not OLS: a fit that cheap
  // is scored on the calling thread before the GBDTs finish, so a GBDT would never lead.)
  const data = generate(3000, 4, linearTarget, 4);
  const options = {
    task: 'regression' as const,
    modelruns: 3,
    timeBudgetMs: 60_000,
    algorithms: ['gbdt', 'poly2_ridge'],
    seed: 2,
  };
  const inline = await selectModel(data, options);
  assert.equal(inline.champion.algorithm, 'poly2_ridge');
  const { pool: recorded, refits } = recordingPool();
  try {
    const pooled = await selectModel(data, { ...options, pool: recorded, speculativeRefitMinMs: 0 });
    assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
    assert.deepEqual(pooled.champion.metrics, inline.champion.metrics);
    assert.deepEqual(pooled.fallbacks, inline.fallbacks);
    assert.ok(refits.length >= 2, JSON.stringify(refits.map((r) => r.algorithm)));
    assert.equal(refits[0].algorithm, 'gbdt', 'the first leader, refitted speculatively');
    for (const r of refits) {
      assert.equal(
        cancelled(r.flag),
        r.algorithm !== 'poly2_ridge',
        `${r.algorithm} refit cancelled: ${cancelled(r.flag)}`,
      );
    }
  } finally {
    await recorded.close();
  }
});

test('a speculative refit of the leader that stays champion is the champion, fitted once', async () => {
  const data = generate(3000, 4, sineTarget, 6);
  const options = {
    task: 'regression' as const,
    modelruns: 4,
    timeBudgetMs: 60_000,
    algorithms: ['gbdt', 'ridge'],
    seed: 2,
    ensemble: false, // this test counts the single leader's refits
  };
  const inline = await selectModel(data, options);
  assert.equal(inline.champion.algorithm, 'gbdt');
  const { pool: recorded, refits } = recordingPool();
  try {
    const started = performance.now();
    const pooled = await selectModel(data, { ...options, pool: recorded, speculativeRefitMinMs: 0 });
    assert.deepEqual(pooled.champion.hyperparameters, inline.champion.hyperparameters);
    assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
    // The champion is fitted once: one refit of its configuration, not cancelled. (A refit of an
    // earlier leader may also have run out: on a loaded machine it can finish before the leader is
    // overtaken, and a finished refit has nothing left to cancel.)
    const championRefits = refits.filter(
      (r) => !cancelled(r.flag) && isDeepStrictEqual(r.hyperparameters, inline.champion.hyperparameters),
    );
    assert.equal(championRefits.length, 1, JSON.stringify(refits));
    assert.equal(refits.at(-1), championRefits[0], 'the champion’s refit is the last one posted');
    // The first refit was posted when the first GBDT was scored, before the search ended: the
    // ridge candidates, queued behind the two GBDTs, had not been scored yet.
    assert.ok(refits[0].at - started < pooled.searchMs, `${refits[0].at - started} ≥ ${pooled.searchMs}`);
  } finally {
    await recorded.close();
  }
});

test('on a small window, cheap candidates are scored on the calling thread, a cheap champion refitted there', async () => {
  const data = generate(2000, 4, linearTarget, 7);
  const options = {
    task: 'regression' as const,
    modelruns: 5,
    timeBudgetMs: 60_000,
    algorithms: ['ols', 'ridge', 'gbdt'],
    seed: 2,
  };
  const inline = await selectModel(data, options);
  const posted: string[] = [];
  const recorded = onPost(new TrainingPool({ maxThreads: 2 }), (task) =>
    posted.push(`${task.kind} ${task.algorithm}`),
  );
  try {
    const pooled = await selectModel(data, { ...options, pool: recorded });
    assert.deepEqual(
      pooled.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
      inline.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
    );
    assert.ok(['ols', 'ridge'].includes(pooled.champion.algorithm), pooled.champion.algorithm);
    assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
    // OLS and ridge on 1,600 × 4 take microseconds: only the GBDTs go to the workers.
    assert.deepEqual(posted.sort(), ['evaluate gbdt', 'evaluate gbdt']);
  } finally {
    await recorded.close();
  }
});

test('a settled leader is refitted before the cheap candidates still queued, not after them', async () => {
  // Two GBDTs take both threads; the two k-NN candidates follow (each held back here until both
  // GBDTs are scored, and 100 ms more, as a slow machine would). Once both GBDTs are scored, only
  // k-NN candidates, cheap next to the leader, are unscored: the leader's refit is posted at once,
  // before the last k-NN.
  const data = generate(3000, 4, sineTarget, 8);
  const options = {
    task: 'regression' as const,
    modelruns: 4,
    timeBudgetMs: 60_000,
    algorithms: ['gbdt', 'knn'],
    seed: 2,
    ensemble: false, // this test is about when the single leader's refit is posted
  };
  const inline = await selectModel(data, options);
  assert.equal(inline.champion.algorithm, 'gbdt');
  const recorded = new TrainingPool({ maxThreads: 2 });
  const posted: Array<{ what: string; at: number; flag?: SharedArrayBuffer }> = [];
  const gbdtScores: Array<Promise<unknown>> = [];
  const run = recorded.run.bind(recorded) as (task: TrainingTask) => Promise<unknown>;
  recorded.run = (async (task: TrainingTask) => {
    posted.push({
      what: `${task.kind} ${task.algorithm}`,
      at: performance.now(),
      flag: task.kind === 'fit' ? task.cancel : undefined,
    });
    if (task.algorithm === 'knn') {
      await Promise.all(gbdtScores);
      await sleep(100);
    }
    const result = run(task);
    if (task.kind === 'evaluate' && task.algorithm === 'gbdt') gbdtScores.push(result);
    return result;
  }) as typeof recorded.run;
  try {
    const started = performance.now();
    const pooled = await selectModel(data, { ...options, pool: recorded });
    assert.deepEqual(pooled.champion.hyperparameters, inline.champion.hyperparameters);
    assert.deepEqual(pooled.champion.parameters, inline.champion.parameters);
    const order = posted.map((p) => p.what);
    // Whether the first k-NN is posted before or after the GBDTs are scored depends on timing (a
    // thread may already be free); what must hold is that the refit does not wait for the last one.
    assert.deepEqual(
      [...order].sort(),
      ['evaluate gbdt', 'evaluate gbdt', 'evaluate knn', 'evaluate knn', 'fit gbdt'],
      JSON.stringify(order),
    );
    assert.deepEqual(order.slice(0, 2), ['evaluate gbdt', 'evaluate gbdt'], JSON.stringify(order));
    const fitAt = order.indexOf('fit gbdt');
    assert.ok(
      fitAt < order.lastIndexOf('evaluate knn'),
      `refit posted after every k-NN: ${JSON.stringify(order)}`,
    );
    const refit = posted[fitAt];
    assert.equal(cancelled(refit.flag), false);
    assert.ok(refit.at - started < pooled.searchMs, `${refit.at - started} ≥ ${pooled.searchMs}`);
  } finally {
    await recorded.close();
  }
});

test("a champion's importances on the pool: those the calling thread computes, in the model's proportions", async () => {
  // y = 3·x1 − 2·x2 + 10 on uniform inputs of equal spread: x1's mean |contribution| is 1.5× x2's
  const data = generate(400, 2, linearTarget, 11);
  const model = Model.fit('ols', data, {}, 'regression');
  const outcome = await pool.run({ kind: 'importances', model: model.toJSON(), x: data.x, rows: data.rows });
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.importances, model.importances(data.x, data.rows));
  const [a, b] = data.featureNames.map((name) => outcome.importances[name]);
  assert.ok(Math.abs(a / b - 1.5) < 0.3, `ratio ${a / b}`);
});

test("a small window selected whole on one pool thread: one task, and the inline selection's result", async () => {
  const data = generate(400, 2, sineTarget);
  const options = {
    task: 'regression' as const,
    modelruns: 4,
    timeBudgetMs: 60_000,
    algorithms: ['ols', 'ridge', 'knn', 'gbdt'],
    seed: 5,
    lineage: { offsets: { 'in/0': [10, 409] } },
  };
  const inline = await selectModel(data, options);
  const kinds: string[] = [];
  const recorded = onPost(new TrainingPool({ maxThreads: 2 }), (task) => kinds.push(task.kind));
  try {
    const whole = await selectModel(data, {
      ...options,
      pool: recorded,
      inlineMaxCells: 0,
      wholeOnPoolMaxCells: data.rows * data.features,
    });
    assert.deepEqual(kinds, ['select'], 'one message for the whole selection');
    assert.deepEqual(
      whole.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
      inline.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
    );
    assert.deepEqual({ ...whole.champion, trainedAt: '' }, { ...inline.champion, trainedAt: '' });
    // one cell more than the limit: candidate by candidate again
    kinds.length = 0;
    await selectModel(data, {
      ...options,
      pool: recorded,
      inlineMaxCells: 0,
      wholeOnPoolMaxCells: data.rows * data.features - 1,
    });
    assert.ok(kinds.length > 1 && !kinds.includes('select'), kinds.join(','));
  } finally {
    await recorded.close();
  }
});

test('a plan estimated below wholeOnPoolMaxPlanMs runs whole on one pool thread, whatever the window', async () => {
  // 30 rows of cheap families: the plan is estimated at a fraction of a millisecond
  const data = generate(30, 3, linearTarget, 3);
  const options = {
    task: 'regression' as const,
    modelruns: 6,
    timeBudgetMs: 60_000,
    algorithms: ['ols', 'ridge', 'lasso', 'knn'],
    seed: 4,
  };
  const planMs = planCandidates(
    options.algorithms.map((a) => getAlgorithm(a, 'regression')),
    { rows: 24, features: 3, task: 'regression' },
    options.modelruns,
    options.seed,
  ).reduce((sum, c) => sum + estimatedCostNs(c, 24, 3) / 1e6, 0);
  assert.ok(planMs > 0 && planMs < WHOLE_ON_POOL_MAX_PLAN_MS, `plan ${planMs} ms`);
  const inline = await selectModel(data, options);
  const kinds: string[] = [];
  const recorded = onPost(new TrainingPool({ maxThreads: 2 }), (task) => kinds.push(task.kind));
  try {
    const offPlan = { ...options, pool: recorded, inlineMaxCells: 0 };
    const whole = await selectModel(data, { ...offPlan, wholeOnPoolMaxPlanMs: planMs });
    assert.deepEqual(kinds, ['select'], 'one message for the whole selection');
    assert.deepEqual(
      whole.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
      inline.leaderboard.map((e) => [e.algorithm, e.hyperparameters, e.metrics]),
    );
    // a limit just under the plan's estimate: candidate by candidate
    kinds.length = 0;
    await selectModel(data, { ...offPlan, wholeOnPoolMaxPlanMs: planMs * 0.999 });
    assert.ok(kinds.length > 1 && !kinds.includes('select'), kinds.join(','));
  } finally {
    await recorded.close();
  }
});

test('a selection run whole on the pool fails with the error class the inline one throws', async () => {
  const whole = { pool, inlineMaxCells: 0, wholeOnPoolMaxCells: 10_000, timeBudgetMs: 1000 };
  const one = generate(1, 2, sineTarget);
  await assert.rejects(
    selectModel(one, { task: 'regression', modelruns: 2, ...whole }),
    (e: unknown) => e instanceof InsufficientDataError && /at least 2 usable rows/.test(e.message),
  );
  const data = generate(50, 2, sineTarget);
  await assert.rejects(
    selectModel(data, { task: 'regression', modelruns: 2, algorithms: ['no_such_model'], ...whole }),
    (e: unknown) => e instanceof UnknownAlgorithmError && /no_such_model/.test(e.message),
  );
  await assert.rejects(
    selectModel(data, { task: 'regression', modelruns: 0, ...whole }),
    (e: unknown) => e instanceof InvalidInputError && /modelruns must be an integer/.test(e.message),
  );
});

test('busy: true while every thread has a task, false once they settle', async () => {
  const two = new TrainingPool({ maxThreads: 2 });
  try {
    assert.equal(two.busy, false);
    const data = generate(3000, 4, sineTarget);
    const select = (seed: number) =>
      selectModel(data, {
        task: 'regression',
        modelruns: 2,
        timeBudgetMs: 60_000,
        algorithms: ['gbdt'],
        seed,
        pool: two,
        inlineMaxCells: 0,
        wholeOnPoolMaxCells: data.rows * data.features,
      });
    const first = select(1);
    // one whole selection is one task: a thread is still free
    let sawOneTask = false;
    for (let i = 0; i < 200 && !sawOneTask; i++) {
      await sleep(1);
      sawOneTask = !two.busy;
    }
    const second = select(2);
    let sawBusy = false;
    for (let i = 0; i < 2000 && !sawBusy; i++) {
      sawBusy = two.busy;
      if (!sawBusy) await sleep(1);
    }
    assert.ok(sawOneTask && sawBusy, `one task: not busy (${sawOneTask}); two: busy (${sawBusy})`);
    await Promise.all([first, second]);
    assert.equal(two.busy, false);
  } finally {
    await two.close();
  }
});
