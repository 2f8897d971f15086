// The demo's live terminal view. On a terminal it redraws one block in place a few times a second;
// piped (CI, logs) it prints one line per event worth keeping, so the output stays readable.
import type { ModelOptimization, RiskAssessment } from '../automl/index.js';
import type { PredictionReport, RetrainReport } from '../solutions/live-solution.js';

export interface LiveViewSettings {
  dataDir: string;
  window: number;
  retrainEveryMs: number;
  serverUrl?: string;
  adminTokenPath?: string;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean };

const fmt = (v: number | undefined, digits = 3) =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);

export class LiveView {
  #rows = 0;
  #drifted = false;
  #driftSeenAtRetrain?: number;
  #retrain?: RetrainReport;
  #retrains = 0;
  #promotions = 0;
  #prediction?: PredictionReport;
  #predictions = 0;
  #absErrorSum = 0;
  #optimum?: ModelOptimization;
  #anomaly?: RiskAssessment & { values: Record<string, number> };
  #alerts = 0;
  #problem?: string;
  #drawnLines = 0;
  #timer?: NodeJS.Timeout;
  #started = Date.now();

  constructor(
    private readonly out: Stream,
    private readonly settings: LiveViewSettings,
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  start(): void {
    this.#started = Date.now();
    this.out.write(
      `tml demo — data directory ${this.settings.dataDir}; window ${this.settings.window} records per stream, ` +
        `retrain every ${this.settings.retrainEveryMs} ms. Ctrl-C stops.\n` +
        (this.settings.serverUrl
          ? `tml server on ${this.settings.serverUrl} (VIPER API and /v1); admin token in ${this.settings.adminTokenPath}\n`
          : ''),
    );
    if (this.tty) this.#timer = setInterval(() => this.draw(), 250);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.tty) this.draw();
  }

  rows(total: number, drifted: boolean): void {
    this.#rows = total;
    if (drifted && !this.#drifted) {
      this.#drifted = true;
      this.#driftSeenAtRetrain = this.#retrains;
      this.log(`drift: the relation between the streams changed at row ${total}`);
    }
  }

  retrain(report: RetrainReport): void {
    this.#retrain = report;
    this.#retrains = report.retrain;
    if (report.promoted) {
      this.#promotions++;
      this.log(
        `retrain ${report.retrain}: champion v${report.champion.version} ${report.champion.algorithm} ` +
          `accuracy ${fmt(report.champion.forecastAccuracy)} rmse ${fmt(report.champion.rmse)} ` +
          `(${report.candidates} candidates, ${Math.round(report.elapsedMs)} ms` +
          (report.replaced
            ? `; v${report.replaced.version} scored rmse ${fmt(report.replaced.rmse)} on the same rows)`
            : ')'),
      );
    }
  }

  prediction(report: PredictionReport): void {
    this.#prediction = report;
    this.#predictions++;
    if (Number.isFinite(report.actual)) this.#absErrorSum += Math.abs(report.prediction - report.actual);
  }

  optimum(result: ModelOptimization): void {
    this.#optimum = result;
  }

  anomaly(assessment: RiskAssessment & { values: Record<string, number> }): void {
    this.#anomaly = assessment;
    if (assessment.alert) {
      this.#alerts++;
      this.log(`anomaly: risk ${fmt(assessment.risk, 2)} on ${assessment.anomalousStreams.join(', ')}`);
    }
  }

  problem(message: string): void {
    this.#problem = message;
    this.log(`problem: ${message}`);
  }

  summary(): string {
    const seconds = (Date.now() - this.#started) / 1000;
    const mae = this.#predictions > 0 ? this.#absErrorSum / this.#predictions : NaN;
    return (
      `tml demo: ${this.#rows} rows per stream in ${seconds.toFixed(0)} s, ${this.#retrains} retrains, ` +
      `${this.#promotions} champions, ${this.#predictions} predictions (MAE ${fmt(mae)}), ` +
      `${this.#alerts} anomaly alerts` +
      (this.#retrain
        ? `; last champion ${this.#retrain.champion.algorithm} v${this.#retrain.champion.version}`
        : '')
    );
  }

  /** Events are printed as lines when piped; on a terminal they show in the block instead. */
  private log(line: string): void {
    if (!this.tty) this.out.write(`[${new Date().toISOString()}] ${line}\n`);
  }

  private draw(): void {
    const r = this.#retrain;
    const p = this.#prediction;
    const o = this.#optimum;
    const a = this.#anomaly;
    const lines = [
      `rows per stream   ${this.#rows}${this.#drifted ? `   (drifted; ${this.#retrains - (this.#driftSeenAtRetrain ?? 0)} retrains since)` : ''}`,
      `window            ${r ? `${r.window.rows} aligned rows` : 'waiting for the first retrain'}`,
      `champion          ${r ? `v${r.champion.version} ${r.champion.algorithm}  accuracy ${fmt(r.champion.forecastAccuracy)}  rmse ${fmt(r.champion.rmse)}` : '–'}`,
      `last challenger   ${r ? `${r.challenger.algorithm} rmse ${fmt(r.challenger.metrics.rmse)} ${r.promoted ? '→ promoted' : '→ kept the champion'}` : '–'}`,
      `retrains          ${this.#retrains} (${this.#promotions} new champions)`,
      `latest prediction ${
        p
          ? `load ${fmt(p.prediction, 2)} (actual ${fmt(p.actual, 2)}) from ${Object.entries(p.inputs)
              .map(([k, v]) => `${k}=${fmt(v, 1)}`)
              .join(' ')}`
          : '–'
      }`,
      `optimum (max)     ${o ? `${fmt(o.value, 2)} at ${o.optimalValues.map((v) => `${v.variable}=${fmt(v.value, 1)}`).join(' ')}` : '–'}`,
      `anomaly risk      ${a ? `${fmt(a.risk, 2)}${a.alert ? ' ALERT ' + a.anomalousStreams.join(',') : ''}` : '–'}   alerts ${this.#alerts}`,
      `last problem      ${this.#problem ?? 'none'}`,
    ];
    let text = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F` : '';
    for (const line of lines) text += `\x1b[2K${line}\n`;
    this.#drawnLines = lines.length;
    this.out.write(text);
  }
}
