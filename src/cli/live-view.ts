// The demo's live view of a running solution. On a terminal it redraws one block in place a few
// times a second; piped (CI, logs) or with --no-view it prints one line per event worth keeping and a
// progress line every few seconds, so the output stays readable and greppable.
import { replacedScore, type DriftEvent, type SolutionProblem } from '../solutions/catalog-types.js';
import type { PredictionEvent, RetrainEvent, RunnerEvents, SolutionRunner } from '../solutions/runner.js';

export interface LiveViewSettings {
  dataDir: string;
  /** The backbone's kind (`embedded`, `kafka`). */
  backbone: string;
  solution: string;
  target: string;
  features: readonly string[];
  window: number;
  retrainEveryRecords: number;
  retrainEverySeconds: number;
  rate: number;
  driftAfterSeconds: number;
  serverUrl?: string;
  adminTokenPath?: string;
  /** `screen`: redraw a block in place (a terminal); `lines`: one line per event. */
  mode: 'screen' | 'lines';
}

type Out = NodeJS.WritableStream & { columns?: number };
type Optimum = RunnerEvents['optimum'][0];
type Anomaly = RunnerEvents['anomaly'][0];

/** Errors kept for the recent MAE: the champion's accuracy now, not averaged over its whole life. */
const RECENT = 100;
const REDRAW_MS = 250;
const PROGRESS_MS = 5000;

const fmt = (v: number | undefined, digits = 3): string =>
  v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
const count = (n: number): string => n.toLocaleString('en-US');

const scoreText = (metric: string, value: number): string => `${metric} ${fmt(value)}`;

/** The challenger's selection metric (RMSE, or tempered log-loss for classifiers) on its holdout. */
function challengerScore(outcome: Extract<RetrainEvent['outcome'], { trained: true }>): string {
  const metric = outcome.selection.selectionMetric;
  const label =
    metric === 'logLoss' ? 'log-loss' : metric === 'temperedLogLoss' ? 'tempered log-loss' : metric;
  return scoreText(label, outcome.challenger.metrics[metric] ?? NaN);
}

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The offsets a window covers: one range when every stream's is the same (a position join). */
function windowText(lineage: Record<string, [number, number]>): string {
  const ranges = new Set(Object.values(lineage).map(([first, last]) => `${first}..${last}`));
  return ranges.size === 1 ? `offsets ${[...ranges][0]} of each stream` : lineageText(lineage);
}

/** `topic/partition [first..last]` for each input of a window's lineage. */
function lineageText(lineage: Record<string, [number, number]>): string {
  return Object.entries(lineage)
    .map(([tp, [first, last]]) => `${tp} [${first}..${last}]`)
    .join('  ');
}

export class LiveView {
  readonly #out: Out;
  readonly #settings: LiveViewSettings;
  #started = Date.now();
  #rows = 0;
  #driftInjected?: { row: number; at: number };
  #retrains = 0;
  #champions = 0;
  #lastRetrain?: Extract<RetrainEvent['outcome'], { trained: true }> & { trigger: string; at: number };
  /** `score`: the champion's selection metric on the newest rows, e.g. `rmse 1.02`. */
  #champion?: { version: number; algorithm: string; accuracy: number; score: string; trigger: string };
  #predictions = 0;
  #prediction?: PredictionEvent;
  readonly #recentErrors: number[] = [];
  #absErrorSum = 0;
  #optimum?: Optimum;
  #alerts = 0;
  #anomaly?: Anomaly & { at: number };
  #driftEvents = 0;
  #drift?: DriftEvent;
  #problems = 0;
  #problem?: SolutionProblem;
  #drawnLines = 0;
  #timer?: NodeJS.Timeout;

  constructor(out: Out, settings: LiveViewSettings) {
    this.#out = out;
    this.#settings = settings;
  }

  start(): void {
    const s = this.#settings;
    this.#started = Date.now();
    const lines = [
      `tml demo: solution '${s.solution}' learns ${s.target} from ${s.features.join(' and ')} ` +
        (s.backbone === 'embedded'
          ? `(embedded backbone, data in ${s.dataDir})`
          : `(${s.backbone} backbone)`),
      `  window ${s.window} rows; retrain every ${s.retrainEveryRecords} rows or ${s.retrainEverySeconds} s; ` +
        `${s.rate} rows/s per stream; the relation changes after ${s.driftAfterSeconds} s`,
    ];
    if (s.serverUrl !== undefined) {
      const remote = `tml --server ${s.serverUrl} --token-file ${s.adminTokenPath}`;
      lines.push(
        `  tml server on ${s.serverUrl} (VIPER API and /v1); admin token in ${s.adminTokenPath}`,
        `  console: ${s.serverUrl}/ (sign in with the admin token)`,
        `  while it runs: ${remote} solutions describe ${s.solution}`,
        `                 ${remote} models ${s.solution}`,
      );
    }
    lines.push('  Ctrl-C stops.');
    this.#out.write(lines.join('\n') + '\n');
    if (s.mode === 'screen') {
      this.#out.write('\x1b[?25l'); // the cursor would flicker over the redrawn block
      this.#timer = setInterval(() => this.draw(), REDRAW_MS);
    } else {
      this.#timer = setInterval(() => this.log(this.progressLine()), PROGRESS_MS);
    }
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer === undefined) return; // never started, or stopped already
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#settings.mode === 'screen') {
      this.draw();
      this.#out.write('\x1b[?25h');
    }
  }

  /** Follows a runner of the demo's solution. */
  attach(runner: SolutionRunner): void {
    runner.on('retrain', (e) => this.retrain(e));
    runner.on('prediction', (e) => this.prediction(e));
    runner.on('drift', (e) => this.drift(e));
    runner.on('optimum', (e) => (this.#optimum = e));
    runner.on('anomaly', (e) => this.anomaly(e));
    runner.on('problem', (p) => this.problem(p));
  }

  /** Rows generated so far per stream, and the row where the streams' relation changed (once it has). */
  rows(total: number, driftedAtRow?: number): void {
    this.#rows = total;
    if (driftedAtRow !== undefined && this.#driftInjected === undefined) {
      this.#driftInjected = { row: driftedAtRow, at: Date.now() };
      this.log(`streams: the relation between the streams changed at row ${driftedAtRow}`);
    }
  }

  retrain(event: RetrainEvent): void {
    const { outcome } = event;
    if (!outcome.trained) return; // its reason arrives as a problem
    this.#retrains = event.state.retrains;
    this.#lastRetrain = { ...outcome, trigger: event.trigger, at: Date.now() };
    const champion = outcome.champion;
    if (outcome.promoted) {
      this.#champions++; // versions: a refreshed champion is a new version too
      this.#champion = {
        version: champion.version,
        algorithm: champion.json.algorithm,
        accuracy: champion.forecastAccuracy,
        score:
          outcome.refreshed && outcome.replaced !== undefined
            ? scoreText(...replacedScore(outcome.replaced))
            : challengerScore(outcome),
        trigger: event.trigger,
      };
    }
    const replaced = outcome.replaced
      ? `; v${outcome.replaced.version} scored ${scoreText(...replacedScore(outcome.replaced))} on the same rows`
      : '';
    this.log(
      `retrain ${event.state.retrains} (${event.trigger}): ` +
        (outcome.refreshed
          ? `champion v${champion.version} ${champion.json.algorithm}: its configuration beat ${outcome.challenger.algorithm} ` +
            `${challengerScore(outcome)} and was refit on this window`
          : outcome.promoted
            ? `champion v${champion.version} ${champion.json.algorithm} accuracy ${fmt(champion.forecastAccuracy)} ` +
              `${challengerScore(outcome)}`
            : `kept champion v${champion.version} ${champion.json.algorithm} over ${outcome.challenger.algorithm} ` +
              `${challengerScore(outcome)}`) +
        ` (${outcome.candidates} candidates, ${Math.round(outcome.elapsedMs)} ms${replaced}); ` +
        `window ${outcome.rows} rows ${lineageText(outcome.lineage)}`,
    );
  }

  prediction(event: PredictionEvent): void {
    this.#prediction = event;
    this.#predictions++;
    if (!Number.isFinite(event.actual)) return;
    const error = Math.abs(event.prediction - event.actual);
    this.#absErrorSum += error;
    this.#recentErrors.push(error);
    if (this.#recentErrors.length > RECENT) this.#recentErrors.shift();
  }

  drift(event: DriftEvent): void {
    this.#driftEvents++;
    this.#drift = event;
    this.log(
      `drift detected at offset ${event.offset} (${event.detector} statistic ${fmt(event.statistic, 1)}, ` +
        `champion v${event.championVersion}): early retrain`,
    );
  }

  anomaly(event: Anomaly): void {
    if (!event.alert) return;
    this.#alerts++;
    const at = Date.now();
    // alerts come in bursts (every row of a changed stream is unusual): one line per burst
    const quiet = this.#anomaly === undefined || at - this.#anomaly.at >= PROGRESS_MS;
    this.#anomaly = { ...event, at };
    if (quiet) this.log(`anomaly: risk ${fmt(event.risk, 2)} on ${event.anomalousStreams.join(', ')}`);
  }

  problem(problem: SolutionProblem): void {
    this.#problems++;
    this.#problem = problem;
    this.log(`problem: ${problem.message}`);
  }

  summary(): string {
    const seconds = (Date.now() - this.#started) / 1000;
    const mae = this.#predictions > 0 ? this.#absErrorSum / this.#predictions : NaN;
    return (
      `tml demo: ${count(this.#rows)} rows per stream in ${seconds.toFixed(0)} s, ${this.#retrains} retrains, ` +
      `${this.#champions} champions, ${this.#predictions} predictions (MAE ${fmt(mae)}), ` +
      `${this.#driftEvents} drift events, ${this.#alerts} anomaly alerts, ${this.#problems} problems` +
      (this.#champion ? `; last champion v${this.#champion.version} ${this.#champion.algorithm}` : '')
    );
  }

  private recentMae(): number {
    const errors = this.#recentErrors;
    return errors.length === 0 ? NaN : errors.reduce((a, b) => a + b, 0) / errors.length;
  }

  private predictionText(): string {
    const p = this.#prediction;
    if (p === undefined) return '–';
    return (
      `${this.#settings.target} ${fmt(p.prediction, 2)}, actual ${fmt(p.actual, 2)} (v${p.modelVersion}); ` +
      `MAE last ${this.#recentErrors.length}: ${fmt(this.recentMae(), 2)}`
    );
  }

  private progressLine(): string {
    const c = this.#champion;
    return (
      `rows ${this.#rows}, predictions ${this.#predictions}, retrains ${this.#retrains}, ` +
      `anomaly alerts ${this.#alerts}` +
      (c ? `, champion v${c.version} ${c.algorithm}` : '') +
      `; latest ${this.predictionText()}`
    );
  }

  /** Events are printed as lines when piped; on a terminal they show in the block instead. */
  private log(line: string): void {
    if (this.#settings.mode === 'lines') this.#out.write(`[${clock(Date.now())}] ${line}\n`);
  }

  private screen(): string[] {
    const s = this.#settings;
    const now = Date.now();
    const r = this.#lastRetrain;
    const c = this.#champion;
    const o = this.#optimum?.optimum;
    const injected = this.#driftInjected;
    const driftIn = Math.max(0, Math.ceil(s.driftAfterSeconds - (now - this.#started) / 1000));
    const plural = (n: number, word: string) => `${count(n)} ${word}${n === 1 ? '' : 's'}`;
    return [
      `tml demo · solution '${s.solution}' · up ${uptime(now - this.#started)} · ${clock(now)} UTC`,
      `streams     ${count(this.#rows)} rows each, ${s.rate}/s; ` +
        (injected
          ? `relation changed at row ${count(injected.row)} (${uptime(now - injected.at)} ago)`
          : `relation changes in ${driftIn} s`),
      `window      ${r ? `${r.rows} rows, ${windowText(r.lineage)}` : 'waiting for the first retrain'}`,
      `champion    ${c ? `v${c.version} ${c.algorithm}  accuracy ${fmt(c.accuracy)}  ${c.score}  (${c.trigger})` : '–'}`,
      `challenger  ${
        r
          ? `${r.challenger.algorithm} ${challengerScore(r)} → ${r.refreshed ? 'champion kept and refit' : r.promoted ? 'promoted' : 'kept the champion'}` +
            (r.replaced ? `; v${r.replaced.version} ${scoreText(...replacedScore(r.replaced))}` : '')
          : '–'
      }`,
      `retrains    ${this.#retrains}, ${plural(this.#champions, 'champion')}` +
        (r ? `; last (${r.trigger}) ${r.candidates} candidates, ${Math.round(r.elapsedMs)} ms` : ''),
      `prediction  ${this.predictionText()}`,
      `predictions ${count(this.#predictions)}`,
      `optimum     ${
        o
          ? `${o.objective === 'Maximization' ? 'max' : 'min'} ${s.target} ${fmt(o.value, 2)} at ` +
            o.optimalValues.map((v) => `${v.variable}=${fmt(v.value, 1)}`).join(' ')
          : '–'
      }`,
      `anomalies   ${plural(this.#alerts, 'alert')}` +
        (this.#anomaly
          ? `; last ${clock(this.#anomaly.at)} risk ${fmt(this.#anomaly.risk, 2)} on ${this.#anomaly.anomalousStreams.join(', ')}`
          : ''),
      `drift       ${plural(this.#driftEvents, 'event')}` +
        (this.#drift
          ? `; last ${clock(this.#drift.at)} at offset ${this.#drift.offset} (statistic ${fmt(this.#drift.statistic, 1)}, v${this.#drift.championVersion})`
          : ''),
      `problems    ${this.#problem ? `${this.#problems}; last ${clock(this.#problem.at)}: ${this.#problem.message}` : 'none'}`,
    ];
  }

  private draw(): void {
    const width = this.#out.columns ?? 120;
    const lines = this.screen().map((line) =>
      line.length > width - 1 ? line.slice(0, width - 2) + '…' : line,
    );
    let text = this.#drawnLines > 0 ? `\x1b[${this.#drawnLines}F` : '';
    for (const line of lines) text += `\x1b[2K${line}\n`;
    this.#drawnLines = lines.length;
    this.#out.write(text);
  }
}
