// VIPER's stream analytics: streamcorr (maadstml item 32) and streamcluster (item 33). The client's
// documentation gives their parameters but no answer or record shape; tml answers what it wrote and
// writes the records docs/stream-analytics.md describes. Parameters tml does not use are listed in
// docs/viper-compatibility.md.
import { CORRELATION_METHODS, type CorrelationMethod } from '../../automl/index.js';
import { DEFAULT_WINDOW_RECORDS } from '../../streams/index.js';
import { ParameterError, ServerError, showValue } from '../errors.js';
import { searchAnomalyCheck, streamCluster, streamCorrelation } from '../operations/stream-analytics.js';
import type { ViperEndpoint } from './endpoints.js';
import type { ViperParams } from './params.js';
import { deviceInput } from './device-param.js';
import { timeDelayMs } from './preprocess-endpoints.js';

/** The lags docrosscorr=1 cross-correlates at: −10..10 (VIPER names no lag parameter). */
export const VIPER_CROSS_CORRELATION_LAGS = 10;

function topicName(params: ViperParams): string {
  return params.has('topicname') || !params.has('topic')
    ? params.string('topicname')
    : params.string('topic');
}

/** maxrows=0 (the clients' default) takes the default window. */
function window(params: ViperParams) {
  const maxRows = params.int('maxrows', { default: 0 });
  return {
    maxRows: maxRows === 0 ? DEFAULT_WINDOW_RECORDS : maxRows,
    offset: params.int('offset', { default: -1 }),
  };
}

function methods(params: ViperParams): CorrelationMethod[] {
  const named = params.list('correlationtype', { default: [] }).map((m) => m.toLowerCase());
  if (named.length === 0) return [...CORRELATION_METHODS];
  for (const m of named) {
    if (m === 'ks') {
      throw new ParameterError('correlationtype', "'ks' (Kolmogorov-Smirnov) is not supported by tml");
    }
    if (!(CORRELATION_METHODS as readonly string[]).includes(m)) {
      throw new ParameterError(
        'correlationtype',
        `'${showValue(m)}' is not one of ${CORRELATION_METHODS.join(', ')}`,
      );
    }
  }
  return [...new Set(named)] as CorrelationMethod[];
}

/**
 * streamcorr's reading options: a device (`topicid`), array rows, a where filter, raw JSON
 * (`jsoncriteria`, with `pathtotmlattrs` and `usemysql`), the Identifier parts kept, raw data and
 * topic names in the records.
 */
function correlationOptions(params: ViperParams) {
  const where = params.string('wherecondition', { default: '' }).trim();
  const whereKey = params.string('wheresearchkey', { default: '' }).trim() || 'PreprocessIdentifier';
  const criteria = params.string('jsoncriteria', { default: '' }).trim();
  const positions = params.list('identifierextractpos', { default: [] }).filter((p) => p.trim() !== '');
  return {
    ...deviceInput(params),
    ...(where !== '' ? { where, whereKey } : {}),
    fields: params.bool('array', { default: false }),
    ...(criteria !== '' ? { criteria } : {}),
    attributes: params.string('pathtotmlattrs', { default: '' }),
    trackTmlids: params.bool('usemysql', { default: false }),
    identifierKey: 'Identifier',
    identifierPositions: positions.map((p) => {
      if (!/^\d+$/.test(p.trim())) {
        throw new ParameterError(
          'identifierextractpos',
          `must be positions from 0 separated by commas (e.g. 1,2), got '${showValue(p)}'`,
        );
      }
      return Number(p.trim());
    }),
    rawData: params.bool('rawdataoutput', { default: false }),
    topicNames: params.bool('outputtopicnames', { default: false }),
  };
}

/** 0..100 as VIPER takes them, 0..1 as the core does. */
const percent = (params: ViperParams, name: string) =>
  params.float(name, { default: 0, min: 0, max: 100 }) / 100;

/**
 * Why preprocessrtms is refused (docs/stream-analytics.md): maadstml's documentation (item 46) names
 * an RTMS score, an attack score and a pattern score, each 0–1, over search terms in sliding text
 * windows, but defines none of them, and no public VIPER text shows how they are computed. A score
 * tml made up would carry VIPER's name without VIPER's meaning, so the call answers a clear error.
 */
export const RTMS_NOT_SUPPORTED =
  'preprocessrtms is not supported by tml: VIPER does not define how its RTMS, attack and pattern scores are computed (docs/stream-analytics.md)';

/** The JSON path of the search text: jsoncriteria's `values=` (its first path). */
function searchTextKey(params: ViperParams): string {
  const criteria = params.string('jsoncriteria');
  for (const part of criteria.split('~')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim().toLowerCase() === 'values') {
      const path = part
        .slice(eq + 1)
        .split(',')[0]
        .trim();
      if (path !== '') return path;
    }
  }
  throw new ParameterError(
    'jsoncriteria',
    `must name the search text's JSON path as values=<path>, got '${showValue(criteria)}'`,
  );
}

/** A position in the Identifier field (from 0; -1: none). */
const position = (params: ViperParams, name: string) => params.int(name, { default: -1, min: -1, max: 1000 });

/** streamcluster's point options: each point's time, label and the parts of its Identifier field. */
function clusterPointOptions(params: ViperParams) {
  const positions = params.list('identifierextractpos', { default: [] }).filter((p) => p.trim() !== '');
  return {
    timeKey: params.string('datetimekey', { default: '' }) || undefined,
    labelKey: params.string('valueidentifier', { default: '' }) || undefined,
    identifierKey: 'Identifier',
    identifierPositions: positions.map((p) => {
      if (!/^\d+$/.test(p.trim())) {
        throw new ParameterError(
          'identifierextractpos',
          `must be positions from 0 separated by commas (e.g. 1,2), got '${showValue(p)}'`,
        );
      }
      return Number(p.trim());
    }),
    latitudePosition: position(params, 'identifierextractposlatitude'),
    longitudePosition: position(params, 'identifierextractposlongitude'),
    locationPosition: position(params, 'identifierextractposlocation'),
    joinedPosition: position(params, 'identifierextractjoinedidentifiers'),
  };
}

const PDF_FORMAT_KEYS = ['title', 'signature', 'showpdfemaillist', 'charttitle'];

/**
 * streamcluster's PDF report, made when `analysisdescription` or `pdfformat` is given: pdfformat is
 * `title=…|signature=…|showpdfemaillist=1|charttitle=…` (maadstml item 33).
 */
function clusterReport(params: ViperParams, recipients: string[]) {
  const description = params.string('analysisdescription', { default: '' }).trim();
  const format = params.string('pdfformat', { default: '' }).trim();
  if (description === '' && format === '') return {};
  const fields = new Map<string, string>();
  for (const part of format.split('|').filter((p) => p.trim() !== '')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, Math.max(eq, 0)).trim().toLowerCase();
    if (eq <= 0 || !PDF_FORMAT_KEYS.includes(key)) {
      throw new ParameterError(
        'pdfformat',
        `'${showValue(part)}' is not one of ${PDF_FORMAT_KEYS.map((k) => `${k}=…`).join(', ')} (separated by |)`,
      );
    }
    fields.set(key, part.slice(eq + 1).trim());
  }
  const list = fields.get('showpdfemaillist') ?? '0';
  if (list !== '0' && list !== '1') {
    throw new ParameterError('pdfformat', `showpdfemaillist must be 0 or 1, got '${showValue(list)}'`);
  }
  return {
    report: {
      title: fields.get('title'),
      description,
      signature: fields.get('signature'),
      chartTitle: fields.get('charttitle'),
      recipients: list === '1' ? recipients : [],
    },
  };
}

export const analyticsEndpoints: Record<string, ViperEndpoint> = {
  nlpsearchanomaly: {
    async run(context, params) {
      for (const nlp of ['entitysearch', 'tagsearch']) {
        if (params.has(nlp)) {
          throw new ParameterError(
            nlp,
            'needs a language model (entities, parts of speech): not supported by tml',
          );
        }
      }
      const result = await searchAnomalyCheck(context, {
        topic: topicName(params),
        producerId: params.string('producerid'),
        ...window(params),
        textKey: searchTextKey(params),
        terms: params.list('searchterms', { default: [] }),
        flagTerms: params.bool('includeexclude', { default: true }),
        threshold: params.float('anomalythreshold', { default: 0, min: 0, max: 100 }),
        check: params.bool('checkanomaly', { default: true }),
        produceTo: params.string('preprocesstopic', { default: '' }),
        identifier: params.string('identifier', { default: '' }),
        alertEmails: params.list('sendanomalyalertemail', { default: [] }),
        emailFrequencySeconds: params.int('emailfrequency', { default: 3600, min: 0 }),
        waitMs: timeDelayMs(params),
      });
      const r = result.record;
      return {
        Topic: result.produceTo,
        Search: r.search,
        Similarity: r.similarity,
        Anomaly: r.anomaly ? 1 : 0,
        Matchedterms: r.matchedTerms,
        Peersearches: r.peerSearches,
        Partition: result.partition,
        Offset: result.offset,
        Alerts: result.alerts.map((a) => ({ Message: a.message, Partition: a.partition, Offset: a.offset })),
        Mail: { Sent: result.mail.sent, ...(result.mail.reason ? { Reason: result.mail.reason } : {}) },
      };
    },
  },

  preprocessrtms: {
    run() {
      return Promise.reject(new ServerError('NOT_SUPPORTED', 501, RTMS_NOT_SUPPORTED));
    },
  },

  streamcorr: {
    async run(context, params) {
      if (params.bool('nlp', { default: false })) {
        throw new ParameterError('nlp', 'correlating text (nlp=1) is not supported by tml');
      }
      const result = await streamCorrelation(context, {
        topic: topicName(params),
        producerId: params.string('producerid'),
        // raw JSON (jsoncriteria) may leave the subtopics out: every subtopic found is correlated
        streams: params.list('streamstojoin', {
          default: params.string('jsoncriteria', { default: '' }).trim() !== '' ? [] : undefined,
        }),
        ...window(params),
        methods: methods(params),
        maxLag: params.bool('docrosscorr', { default: false }) ? VIPER_CROSS_CORRELATION_LAGS : 0,
        minLength: params.int('mincorrvectorlen', { default: 5 }),
        threshold: percent(params, 'threshhold'),
        maxPValue: percent(params, 'pvalue'),
        top: params.int('topcorrnum', { default: 5, min: 0 }),
        produceTo: params.string('writecorrstotopic', {
          default: params.string('preprocesstopic', { default: '' }),
        }),
        identifier: params.string('identifier', { default: '' }),
        description: params.string('description', { default: '' }),
        ...correlationOptions(params),
      });
      return {
        Topic: result.produceTo,
        Computed: result.computed,
        Written: result.written.length,
        Correlations: result.written.map((c) => ({
          Streams: c.streams.join(','),
          Preprocesstype: c.name.slice(c.name.lastIndexOf('_') + 1),
          Stream: c.name,
          Correlation: c.coefficient,
          Pvalue: c.pValue,
          ...(c.lag !== undefined ? { Lag: c.lag } : {}),
          Numberofmessages: c.count,
          Partition: c.partition,
          Offset: c.offset,
        })),
      };
    },
  },

  streamcluster: {
    async run(context, params) {
      const distance = params.int('distancealgo', { default: 1 });
      if (distance !== 1 && distance !== 2) {
        throw new ParameterError(
          'distancealgo',
          `must be 1 (Euclidean) or 2 (EuclideanSquared), got ${distance}`,
        );
      }
      const minimumSubjects = params.int('minimumsubjects', { default: 2, min: 0 });
      const alertEmails = params.list('sendalertemailsto', { default: [] });
      const result = await streamCluster(context, {
        topic: topicName(params),
        producerId: params.string('producerid'),
        ...window(params),
        valueKeys: params.list('valuekey'),
        filter: params.string('filterkey', { default: '' }),
        groupKey: params.string('groupkey', { default: '' }),
        idKey: params.string('msgid', { default: '' }),
        valueCondition: params.string('valuecondition', { default: '' }),
        clusters: params.int('numclusters', { default: 8 }),
        iterations: params.int('iterations', { default: 1000 }),
        distance: distance === 1 ? 'euclidean' : 'squaredEuclidean',
        alertOnClusterSize: params.int('alertonclustersize', { default: 0 }),
        minimumPoints: minimumSubjects,
        alertEmails,
        emailFrequencySeconds: params.int('emailfrequencyinseconds', { default: 0, min: 0 }),
        ...clusterPointOptions(params),
        alertOnSharePercent: params.float('alertonsubjectpercentage', { default: 50, min: 0, max: 100 }),
        rawData: params.bool('rawdataoutput', { default: false }),
        ...clusterReport(params, alertEmails),
        produceTo: params.string('preprocesstopic', { default: '' }),
        identifier: params.string('identifier', { default: '' }),
        description: params.string('description', { default: '' }),
      });
      const r = result.record;
      return {
        Topic: result.produceTo,
        Numclusters: r.clusters.length,
        Clusters: r.clusters.map((c) => ({ Cluster: c.cluster, Size: c.size, Centre: c.centre })),
        Points: r.points.length,
        Inertia: r.inertia,
        Iterations: r.iterations,
        Converged: r.converged,
        Recordsread: r.recordsRead,
        Recordsskipped: r.recordsSkipped,
        ...(result.report
          ? {
              Report: {
                Partition: result.report.partition,
                Offset: result.report.offset,
                Bytes: result.report.bytes,
              },
            }
          : {}),
        Partition: result.partition,
        Offset: result.offset,
        Alerts: result.alerts.map((a) => ({ Message: a.message, Partition: a.partition, Offset: a.offset })),
        Mail: { Sent: result.mail.sent, ...(result.mail.reason ? { Reason: result.mail.reason } : {}) },
      };
    },
  },
};
