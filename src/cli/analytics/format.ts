// The readable form of a `tml analytics` answer: a table of what was computed and where it was written.
import type {
  ClusterResponse,
  CorrelationResponse,
  CustomJsonResponse,
  PreprocessResponse,
  SearchAnomalyResponse,
  StreamQueryResponse,
} from '../../client/index.js';
import { table } from '../output.js';
import type { AnalyticsStep } from './run.js';

const num = (value: number | string | null | undefined): string =>
  value === null || value === undefined
    ? '-'
    : typeof value === 'number'
      ? String(Number(value.toPrecision(6)))
      : value;
const at = (r: { partition: number; offset: number }) => `${r.partition}:${r.offset}`;

function preprocess(a: PreprocessResponse): string {
  if (a.items.length === 0) return 'no items computed\n';
  return (
    table([
      ['STREAM', 'TYPE', 'VALUE', 'MESSAGES', 'WRITTEN', 'AT'],
      ...a.items.map((i) => [i.topic, i.type, num(i.value), i.messages, i.writtenTo, at(i)]),
    ]) + '\n'
  );
}

function customJson(a: CustomJsonResponse): string {
  if (a.items.length === 0) return 'no items computed\n';
  return (
    table([
      ['DEVICE', 'STREAM', 'VALUE', 'MESSAGES', 'WRITTEN', 'AT'],
      ...a.items.map((i) => [i.device, i.topic, num(i.value), i.messages, i.writtenTo, at(i)]),
    ]) + '\n'
  );
}

function query(a: StreamQueryResponse): string {
  return (
    table([
      ['QUERY', 'RESULT', 'INPUTS', 'AT'],
      ...a.results.map((r) => [
        r.query,
        r.result,
        Object.entries(r.inputs)
          .map(([stream, input]) => `${stream}=${num(input.value)}`)
          .join(' '),
        at(r),
      ]),
    ]) + `\nwritten to '${a.produceTo}'\n`
  );
}

function correlate(a: CorrelationResponse): string {
  const rows = a.written.map((c) => [
    c.streams.join(' ~ '),
    c.method,
    num(c.coefficient),
    num(c.pValue),
    c.lag ?? 0,
    c.count,
    at(c),
  ]);
  return (
    (rows.length === 0
      ? 'none kept'
      : table([['STREAMS', 'METHOD', 'COEFFICIENT', 'P-VALUE', 'LAG', 'N', 'AT'], ...rows])) +
    `\n${a.written.length} of ${a.computed} computed, written to '${a.produceTo}'\n`
  );
}

function cluster(a: ClusterResponse): string {
  const lines = [
    table([
      ['CLUSTER', 'SIZE', 'CENTRE'],
      ...a.clusters.map((c) => [c.cluster, c.size, c.centre.map(num).join(', ')]),
    ]),
    `inertia ${num(a.inertia)}, ${a.iterations} iterations${a.converged ? ', converged' : ', not converged'}; ` +
      `${a.recordsRead} records read, ${a.recordsSkipped} skipped; written to '${a.produceTo}' at ${at(a)}`,
    ...a.alerts.map((alert) => `alert: ${alert.message}`),
  ];
  return lines.join('\n') + '\n';
}

function searchAnomaly(a: SearchAnomalyResponse): string {
  const lines = [
    `search: ${a.search}`,
    `similarity ${num(a.similarity)} to ${a.peerSearches} earlier searches: ${a.anomaly ? 'ANOMALY' : 'normal'}`,
    ...(a.matchedTerms.length > 0 ? [`watched terms: ${a.matchedTerms.join(', ')}`] : []),
    ...a.alerts.map((alert) => `alert: ${alert.message}`),
    `written to '${a.produceTo}' at ${at(a)}`,
  ];
  return lines.join('\n') + '\n';
}

export function formatAnswer(step: AnalyticsStep, answer: unknown): string {
  switch (step) {
    case 'preprocess':
      return preprocess(answer as PreprocessResponse);
    case 'custom-json':
      return customJson(answer as CustomJsonResponse);
    case 'query':
      return query(answer as StreamQueryResponse);
    case 'correlate':
      return correlate(answer as CorrelationResponse);
    case 'cluster':
      return cluster(answer as ClusterResponse);
    case 'search-anomaly':
      return searchAnomaly(answer as SearchAnomalyResponse);
  }
}
