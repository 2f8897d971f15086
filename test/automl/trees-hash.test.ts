// The tree learners' models must not change when their code is only made faster: every histogram
// sum, split and leaf value bit for bit. These SHA-1s of the fitted parameters were recorded with
// the code before the root-histogram count cache (2026-11-28) and must hold after any speed-up.
// A change that alters the models on purpose (new binning, new defaults) updates them and says
// why in its commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Hyperparameters } from '../../src/automl/algorithm.js';
import { cart, extraTrees, gbdt, randomForest } from '../../src/automl/algorithms/trees/index.js';
import type { Dataset, Task } from '../../src/automl/dataset.js';
import { ringWindow, sineWindow } from './trees-data.js';

interface Case {
  name: string;
  fit: () => unknown;
  sha1: string;
}

const sine = sineWindow(1_500, 12, 21);
const ring = ringWindow(1_500, 12, 22);
const small = sineWindow(300, 5, 23);

const fit = (algorithm: typeof gbdt, data: Dataset, hyperparameters: Hyperparameters, task: Task) => () =>
  algorithm.fit(data, hyperparameters, task);

const cases: Case[] = [
  {
    name: 'gbdt regression',
    fit: fit(gbdt, sine, { rounds: 40 }, 'regression'),
    sha1: 'bbae0ecb3933ca182a27185a9cd414b301982be3',
  },
  {
    name: 'gbdt classification',
    fit: fit(gbdt, ring, { rounds: 40 }, 'classification'),
    sha1: '801ebbf86c78d325cdf562ea57d65e62e59b101f',
  },
  {
    name: 'gbdt subsampled, feature fraction',
    fit: fit(gbdt, ring, { rounds: 30, subsample: 0.7, featureFraction: 0.6, seed: 3 }, 'classification'),
    sha1: 'cc8f697799926a3663c62773098f589cef427576',
  },
  {
    name: 'gbdt early stopping',
    fit: fit(gbdt, sine, { rounds: 60, validationFraction: 0.2, maxDepth: 3 }, 'regression'),
    sha1: 'e0b37c05527d36ae5cf43b8c80595f3f3828fa97',
  },
  {
    name: 'gbdt small window',
    fit: fit(gbdt, small, { rounds: 30 }, 'regression'),
    sha1: '37ca2eec288b38c3af8a36a409d2b60359f18b71',
  },
  {
    name: 'random forest regression',
    fit: fit(randomForest, sine, { trees: 10 }, 'regression'),
    sha1: 'ca22e2ed587820ef9a2ae509f44b13071cdf4e29',
  },
  {
    name: 'random forest classification',
    fit: fit(randomForest, ring, { trees: 10, minSamplesLeaf: 2 }, 'classification'),
    sha1: 'd9a5e4585cd3f35122004817b33729d2d2b5abf1',
  },
  { name: 'cart', fit: fit(cart, small, {}, 'regression'), sha1: 'fcbf55610b08d0f3b92503f03316183be91cb480' },
  // Recorded when extra trees were added (2026-12-07).
  {
    name: 'extra trees regression',
    fit: fit(extraTrees, sine, { trees: 10 }, 'regression'),
    sha1: '93908307d957d2b87106fa462907fe0da9857a75',
  },
  {
    name: 'extra trees classification',
    fit: fit(extraTrees, ring, { trees: 10, minSamplesLeaf: 2, bootstrap: true }, 'classification'),
    sha1: '10c3fda6e9933afda2c08073ff3161d873985de2',
  },
];

const sha1 = (value: unknown) => createHash('sha1').update(JSON.stringify(value)).digest('hex');

for (const c of cases) {
  test(`${c.name}: the fitted parameters are bit-identical to the recorded ones`, () => {
    const first = sha1(c.fit());
    if (process.env.PRINT_TREE_HASHES === '1') console.log(`${c.name}: '${first}'`);
    assert.equal(first, sha1(c.fit()), 'same window and hyperparameters, same model');
    assert.equal(first, c.sha1);
  });
}
