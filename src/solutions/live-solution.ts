// A solution that keeps learning: on every trigger it cuts the latest window of its streams, runs
// AutoML on it, keeps whichever of the new best model and the current champion predicts the newest
// data better, publishes the champion with its lineage, and predicts, optimises and scores anomalies
// with it — no human in the loop (DESIGN.md §2). This first version runs in one process; the
// solution spec, registry, drift detection and Kafka-group scale-out grow from it.
import { EventEmitter } from 'node:events';
import type { Backbone } from '../backbone/types.js';
import {
  Model,
  selectModel,
  type ModelJSON,
  type SelectionResult,
  type TrainingPool,
} from '../automl/index.js';
import {
  describeColumns,
  optimizeModel,
  toViperOptimization,
  type ModelOptimization,
} from '../automl/index.js';
import { assessRisk, scoreValue, trainPeerGroup, type RiskAssessment } from '../automl/index.js';
import { rmse } from '../automl/metrics.js';
import { joinLatestWindows, trainingSetFromJoined, type JoinedRecord } from '../streams/index.js';

export interface LiveSolutionSpec {
  name: string;
  dependentVariable: string;
  independentVariables: string[];
  /** The latest N records of each stream form the training window. */
  windowRecords: number;
  /** AutoML: candidate configurations per retrain (VIPER `modelruns`) and the time budget. */
  modelruns: number;
  timeBudgetMs: number;
  /** Output topics, created when missing. */
  paramsTopic: string;
  predictionsTopic: string;
  optimalTopic?: string;
  anomaliesTopic?: string;
  /** Optimisation of the champion's inputs (VIPER `ismin`, 1 = minimise). */
  ismin?: number;
  seed?: number;
}

/** What one retrain decided. */
export interface RetrainReport {
  retrain: number;
  window: { rows: number; droppedRows: number; offsets: JoinedRecord['offsets'] };
  /** The best model of this window and its holdout metrics. */
  challenger: { algorithm: string; metrics: Record<string, number> };
  /** The champion after this retrain. */
  champion: { algorithm: string; version: number; forecastAccuracy: number; rmse: number };
  promoted: boolean;
  /** The champion this retrain replaced and its RMSE on the same newest rows (absent for the first). */
  replaced?: { version: number; rmse: number };
  candidates: number;
  elapsedMs: number;
}

export interface PredictionReport {
  inputs: Record<string, number>;
  prediction: number;
  actual: number;
  championVersion: number;
}

export interface LiveSolutionEvents {
  retrain: [RetrainReport];
  prediction: [PredictionReport];
  optimum: [ModelOptimization];
  anomaly: [RiskAssessment & { values: Record<string, number> }];
  problem: [string];
}

interface Champion {
  model: Model;
  json: ModelJSON;
  version: number;
  forecastAccuracy: number;
}

export class LiveSolution extends EventEmitter<LiveSolutionEvents> {
  #champion?: Champion;
  #retrains = 0;

  constructor(
    private readonly backbone: Backbone,
    readonly spec: LiveSolutionSpec,
    private readonly pool?: TrainingPool,
  ) {
    super();
  }

  get champion(): Readonly<Champion> | undefined {
    return this.#champion;
  }

  async createTopics(): Promise<void> {
    const { paramsTopic, predictionsTopic, optimalTopic, anomaliesTopic } = this.spec;
    for (const name of [paramsTopic, predictionsTopic, optimalTopic, anomaliesTopic]) {
      if (name !== undefined) await this.backbone.ensureTopic({ name });
    }
  }

  private streams(): string[] {
    return [this.spec.dependentVariable, ...this.spec.independentVariables];
  }

  /** One trigger: window → AutoML → champion/challenger → publish. Problems are reported, never thrown. */
  async retrain(): Promise<RetrainReport | undefined> {
    const started = performance.now();
    const spec = this.spec;
    let joined: JoinedRecord;
    let selection: SelectionResult;
    let set: ReturnType<typeof trainingSetFromJoined>;
    try {
      joined = await joinLatestWindows(this.backbone, this.streams(), { lastOffsets: spec.windowRecords });
      set = trainingSetFromJoined(joined, {
        dependentVariable: spec.dependentVariable,
        independentVariables: spec.independentVariables,
      });
      selection = await selectModel(set.dataset, {
        task: 'regression',
        modelruns: spec.modelruns,
        timeBudgetMs: spec.timeBudgetMs,
        seed: (spec.seed ?? 1) + this.#retrains,
        pool: this.pool,
        lineage: { solution: spec.name, offsets: joined.offsets },
      });
    } catch (error) {
      this.emit('problem', `retrain skipped: ${(error as Error).message}`);
      return undefined;
    }
    this.#retrains++;

    // Champion vs challenger on the newest fifth of this window: rows the old champion never saw
    // when they arrived after its window, so the comparison rewards whoever predicts the present.
    const data = set.dataset;
    const holdoutStart = Math.floor(data.rows * 0.8);
    const holdoutRows = data.rows - holdoutStart;
    const holdoutX = data.x.subarray(holdoutStart * data.features);
    const actual = data.y.subarray(holdoutStart);
    const challengerRmse = selection.leaderboard[0]?.metrics.rmse ?? Infinity;
    const current = this.#champion;
    let replaced: RetrainReport['replaced'];
    if (current !== undefined) {
      const championRmse = rmse(actual, current.model.predict(holdoutX, holdoutRows));
      replaced = { version: current.version, rmse: championRmse };
      if (!(challengerRmse < championRmse)) {
        this.emit('retrain', this.report(joined, set, selection, false, started, championRmse));
        return undefined;
      }
    }
    const version = (current?.version ?? 0) + 1;
    this.#champion = {
      model: Model.fromJSON(selection.champion),
      json: selection.champion,
      version,
      forecastAccuracy: selection.forecastAccuracy,
    };
    await this.backbone.produce(this.spec.paramsTopic, [
      {
        key: spec.name,
        value: JSON.stringify({
          solution: spec.name,
          version,
          forecastAccuracy: selection.forecastAccuracy,
          model: selection.champion,
        }),
      },
    ]);
    const report = { ...this.report(joined, set, selection, true, started, challengerRmse), replaced };
    this.emit('retrain', report);
    await this.optimise(set.dataset.x, set.dataset.rows);
    this.scoreAnomalies(joined);
    return report;
  }

  private report(
    joined: JoinedRecord,
    set: ReturnType<typeof trainingSetFromJoined>,
    selection: SelectionResult,
    promoted: boolean,
    started: number,
    championRmse: number,
  ): RetrainReport {
    const champion = this.#champion!;
    return {
      retrain: this.#retrains,
      window: { rows: set.dataset.rows, droppedRows: set.droppedRows, offsets: joined.offsets },
      challenger: {
        algorithm: selection.champion.algorithm,
        metrics: selection.leaderboard[0]?.metrics ?? {},
      },
      champion: {
        algorithm: champion.json.algorithm,
        version: champion.version,
        forecastAccuracy: champion.forecastAccuracy,
        rmse: championRmse,
      },
      promoted,
      candidates: selection.leaderboard.length,
      elapsedMs: performance.now() - started,
    };
  }

  /** Predicts the newest aligned row of the streams with the champion and publishes the prediction. */
  async predictLatest(): Promise<PredictionReport | undefined> {
    const champion = this.#champion;
    if (champion === undefined) return undefined;
    const joined = await joinLatestWindows(this.backbone, this.streams(), { lastOffsets: 1 });
    const inputs: Record<string, number> = {};
    const row = this.spec.independentVariables.map((s) => {
      const v = joined.values[s].at(-1);
      inputs[s] = v ?? NaN;
      return v ?? NaN;
    });
    if (!row.every(Number.isFinite)) return undefined;
    const prediction = champion.model.predictRow(row);
    const actual = joined.values[this.spec.dependentVariable].at(-1) ?? NaN;
    await this.backbone.produce(this.spec.predictionsTopic, [
      {
        key: this.spec.name,
        value: JSON.stringify({
          Hyperprediction: prediction,
          Inputdata: row.join(','),
          Algo: champion.json.algorithm,
          ModelVersion: champion.version,
          Offsets: joined.offsets,
        }),
      },
    ]);
    const report = { inputs, prediction, actual, championVersion: champion.version };
    this.emit('prediction', report);
    return report;
  }

  private async optimise(x: Float64Array, rows: number): Promise<void> {
    const champion = this.#champion;
    if (champion === undefined || this.spec.optimalTopic === undefined) return;
    try {
      const stats = describeColumns(x, rows, champion.json.featureNames);
      const result = optimizeModel(champion.model, {
        stats,
        ismin: this.spec.ismin ?? 0,
        seed: champion.version,
      });
      await this.backbone.produce(this.spec.optimalTopic, [
        { key: this.spec.name, value: JSON.stringify(toViperOptimization(result)) },
      ]);
      this.emit('optimum', result);
    } catch (error) {
      this.emit('problem', `optimisation skipped: ${(error as Error).message}`);
    }
  }

  private scoreAnomalies(joined: JoinedRecord): void {
    if (this.spec.anomaliesTopic === undefined) return;
    const scores = this.streams().map((stream) => {
      const values = joined.values[stream];
      const history = Float64Array.from(values.slice(0, -1));
      const group = trainPeerGroup(stream, history);
      return scoreValue(group, values[values.length - 1]);
    });
    const risk = assessRisk(scores);
    const values = Object.fromEntries(scores.map((s) => [s.stream, s.value]));
    void this.backbone
      .produce(this.spec.anomaliesTopic, [
        { key: this.spec.name, value: JSON.stringify({ ...risk, values }) },
      ])
      .catch((error: Error) => this.emit('problem', `anomaly publish failed: ${error.message}`));
    this.emit('anomaly', { ...risk, values });
  }
}
