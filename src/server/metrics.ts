// Prometheus metrics of one server. Each app gets its own registry, so that several servers in one
// process (the tests) do not collide on metric names.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tml_http_requests_total',
    help: 'HTTP requests by API face, operation and outcome (ok or the error code)',
    labelNames: ['face', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tml_http_request_duration_seconds',
    help: 'HTTP request latency by API face and operation',
    labelNames: ['face', 'operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });
  readonly recordsProduced = new Counter({
    name: 'tml_records_produced_total',
    help: 'Records written to topics through the API',
    registers: [this.registry],
  });
  readonly recordsConsumed = new Counter({
    name: 'tml_records_consumed_total',
    help: 'Records read from topics through the API',
    registers: [this.registry],
  });
  readonly trainings = new Counter({
    name: 'tml_trainings_total',
    help: 'AutoML trainings run through the API',
    registers: [this.registry],
  });
  readonly viperParameters = new Counter({
    name: 'tml_viper_parameters_read_total',
    help: 'VIPER calls by endpoint and the parameters the server read in them (the ones it uses; docs/viper-compatibility.md names the ones it ignores)',
    labelNames: ['endpoint', 'parameter'] as const,
    registers: [this.registry],
  });
  readonly predictions = new Counter({
    name: 'tml_predictions_total',
    help: 'Predictions made through the API',
    registers: [this.registry],
  });

  /**
   * `public`: served without a token, so it shows nothing that helps an attacker: no Node version
   * (a list of known holes), and outcomes only as ok or error (no count of refused tokens).
   */
  constructor(readonly options: { processMetrics?: boolean; public?: boolean } = {}) {
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      if (options.public) this.registry.removeSingleMetric('nodejs_version_info');
    }
  }

  /** The outcome label as this registry shows it. */
  outcome(outcome: string): string {
    return this.options.public && outcome !== 'ok' ? 'error' : outcome;
  }
}
