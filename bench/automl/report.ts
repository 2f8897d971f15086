// The benchmark's table (stdout) and its goals, from both sides' figures of one run.
import type { PythonRun, PythonWindow } from './python.js';

export interface TmlEntry {
  id: string;
  algorithm: string;
  fitMs: number;
  rmse?: number;
  accuracy?: number;
}

export interface TmlWindow {
  id: string;
  /** `selectModel` from call to return: candidates + the champion's refit on the whole window. */
  selectMs: number;
  selectMsRuns: number[];
  /** The same runs up to the last candidate's score (`SelectionResult.searchMs`): no refit. */
  searchMs: number;
  searchMsRuns: number[];
  best: TmlEntry;
  leaderboard: TmlEntry[];
}

export interface WindowRow {
  id: string;
  rows: number;
  features: number;
  task: string;
  sha256: string;
  /** With the refit: both sides end with the best candidate trained on the whole window. */
  tmlMs: number;
  /** scikit-learn's reference: the faster of its runs with native threads and with one thread. */
  sklearnMs: number;
  sklearnThreads: number;
  sklearnParallelMs: number;
  sklearnSingleMs: number;
  /** scikit-learn's time / tml's, both with the refit: above 1, tml is faster. */
  speedup: number;
  /** Without the refit on either side: the candidates' loop until the best is known. */
  tmlSearchMs: number;
  sklearnSearchMs: number;
  sklearnSearchThreads: number;
  speedupSearch: number;
  /** The refit of the best candidate alone, scikit-learn's (tml's is selectMs − searchMs). */
  sklearnRefitMs: number;
  metric: 'rmse' | 'accuracy';
  tmlBest: { id: string; value: number };
  sklearnBest: { id: string; value: number };
  /** tml's holdout error relative to scikit-learn's best: RMSE ratio, or (1 − acc) ratio. */
  errorRatio: number;
  goals: { faster: boolean; threeTimesFaster?: boolean; errorWithin5Percent: boolean };
}

export function compareWindow(
  window: { id: string; rows: number; features: number; task: string; sha256: string },
  tml: TmlWindow,
  python: PythonWindow,
): WindowRow {
  const sklearn: PythonRun =
    python.parallel.selectMs <= python.single.selectMs ? python.parallel : python.single;
  const metric = window.task === 'classification' ? 'accuracy' : 'rmse';
  const tmlValue = tml.best[metric] ?? NaN;
  const skValue = sklearn.best[metric] ?? NaN;
  // Compare errors, so that "5% worse" means the same for both tasks: RMSE, or misclassification.
  const tmlError = metric === 'rmse' ? tmlValue : 1 - tmlValue;
  const skError = metric === 'rmse' ? skValue : 1 - skValue;
  const errorRatio = skError === 0 ? (tmlError === 0 ? 1 : Infinity) : tmlError / skError;
  const speedup = sklearn.selectMs / tml.selectMs;
  // Without the refit, again the faster of scikit-learn's two thread settings.
  const sklearnSearch = python.parallel.searchMs <= python.single.searchMs ? python.parallel : python.single;
  const goals: WindowRow['goals'] = { faster: speedup > 1, errorWithin5Percent: errorRatio <= 1.05 };
  if (window.rows <= 1000) goals.threeTimesFaster = speedup >= 3;
  return {
    ...window,
    tmlMs: tml.selectMs,
    sklearnMs: sklearn.selectMs,
    sklearnThreads: sklearn.threads,
    sklearnParallelMs: python.parallel.selectMs,
    sklearnSingleMs: python.single.selectMs,
    speedup,
    tmlSearchMs: tml.searchMs,
    sklearnSearchMs: sklearnSearch.searchMs,
    sklearnSearchThreads: sklearnSearch.threads,
    speedupSearch: sklearnSearch.searchMs / tml.searchMs,
    sklearnRefitMs: sklearn.refitBestMs,
    metric,
    tmlBest: { id: tml.best.id, value: tmlValue },
    sklearnBest: { id: sklearn.best.id, value: skValue },
    errorRatio,
    goals,
  };
}

function pad(s: string, width: number, right = false): string {
  return right ? s.padStart(width) : s.padEnd(width);
}

export function printTable(rows: WindowRow[]): void {
  const header = [
    pad('window', 26),
    pad('tml ms', 9, true),
    pad('sklearn ms', 11, true),
    pad('thr', 3, true),
    pad('speedup', 8, true),
    pad('tml norefit', 11, true),
    pad('sk norefit', 10, true),
    pad('speedup', 8, true),
    pad('tml best', 28),
    pad('sklearn best', 28),
    pad('err ratio', 9, true),
    'goals',
  ].join(' ');
  console.log(header);
  console.log('-'.repeat(header.length + 10));
  for (const r of rows) {
    // The algorithm only: the full configurations are in the JSON.
    const fmt = (b: { id: string; value: number }) =>
      `${b.id.split(' ')[0]} ${r.metric === 'rmse' ? 'rmse' : 'acc'} ${b.value.toFixed(3)}`;
    const goals = [
      r.goals.faster ? 'faster' : 'SLOWER',
      r.goals.threeTimesFaster === undefined ? '' : r.goals.threeTimesFaster ? '≥3×' : '<3×',
      r.goals.errorWithin5Percent ? 'err ok' : 'ERR >5%',
    ]
      .filter(Boolean)
      .join(', ');
    console.log(
      [
        pad(r.id, 26),
        pad(r.tmlMs.toFixed(1), 9, true),
        pad(r.sklearnMs.toFixed(1), 11, true),
        pad(String(r.sklearnThreads), 3, true),
        pad(`${r.speedup.toFixed(2)}×`, 8, true),
        pad(r.tmlSearchMs.toFixed(1), 11, true),
        pad(r.sklearnSearchMs.toFixed(1), 10, true),
        pad(`${r.speedupSearch.toFixed(2)}×`, 8, true),
        pad(fmt(r.tmlBest), 28),
        pad(fmt(r.sklearnBest), 28),
        pad(r.errorRatio.toFixed(3), 9, true),
        goals,
      ].join(' '),
    );
  }
}

export interface MicroRow {
  name: string;
  tml: number;
  sklearn: number;
  unit: string;
  goal: string;
  met: boolean;
}

export function printMicro(rows: MicroRow[]): void {
  console.log('');
  console.log(
    [pad('single core', 44), pad('tml', 12, true), pad('sklearn', 12, true), pad('unit', 7), 'goal'].join(
      ' ',
    ),
  );
  console.log('-'.repeat(100));
  const fmt = (v: number) => (v >= 1e4 ? v.toExponential(2) : v.toFixed(4));
  for (const r of rows) {
    console.log(
      [
        pad(r.name, 44),
        pad(fmt(r.tml), 12, true),
        pad(Number.isFinite(r.sklearn) ? fmt(r.sklearn) : '–', 12, true),
        pad(r.unit, 7),
        `${r.goal} ${r.goal ? (r.met ? '(met)' : '(NOT met)') : ''}`,
      ].join(' '),
    );
  }
}

export interface FamilyRow {
  algorithm: string;
  candidates: number;
  tmlFitMs: number;
  sklearnFitMs: number;
}

/**
 * Where the time goes: fit + holdout prediction time per algorithm family, summed over every
 * window's candidates (tml's from its leaderboard, measured inside the worker or inline).
 */
export function familyTotals(
  windows: Array<{ tml: TmlEntry[]; sklearn: Array<{ id: string; fitMs: number }> }>,
): FamilyRow[] {
  const rows = new Map<string, FamilyRow>();
  for (const w of windows) {
    const sk = new Map(w.sklearn.map((e) => [e.id, e.fitMs]));
    for (const e of w.tml) {
      const row = rows.get(e.algorithm) ?? {
        algorithm: e.algorithm,
        candidates: 0,
        tmlFitMs: 0,
        sklearnFitMs: 0,
      };
      row.candidates++;
      row.tmlFitMs += e.fitMs;
      row.sklearnFitMs += sk.get(e.id) ?? NaN;
      rows.set(e.algorithm, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.tmlFitMs - a.tmlFitMs);
}

export function printFamilies(rows: FamilyRow[]): void {
  console.log('');
  console.log(
    [
      pad('family (all windows)', 22),
      pad('cands', 6, true),
      pad('tml ms', 10, true),
      pad('sklearn ms', 11, true),
      pad('sk/tml', 7, true),
    ].join(' '),
  );
  console.log('-'.repeat(60));
  for (const r of rows) {
    console.log(
      [
        pad(r.algorithm, 22),
        pad(String(r.candidates), 6, true),
        pad(r.tmlFitMs.toFixed(0), 10, true),
        pad(r.sklearnFitMs.toFixed(0), 11, true),
        pad(`${(r.sklearnFitMs / r.tmlFitMs).toFixed(2)}×`, 7, true),
      ].join(' '),
    );
  }
}
