// The search-anomaly step (VIPER's nlpsearchanomaly, maadstml's vipersearchanomaly): the newest
// search of a topic's window compared with the searches before it (its peer group). VIPER says only
// that it "monitors searches against a peer group" and that a lower `anomalythreshold` (0–100) means
// "more different"; tml's measure is the search's similarity: the share of its words (lower-cased
// letters and digits) that occur in the peer group's searches, 0–100. Below the threshold, or
// containing a watched term, the search is an anomaly and raises an alert (steps/alert.ts).
import type { Backbone } from '../../backbone/types.js';
import { StepInputError } from '../errors.js';
import { recordKey, type CallDetails, type RecordShapers } from '../shapers.js';
import { STREAM_HEADER, VALUE_HEADER } from '../stream-address.js';
import { waitForRecords } from '../wait.js';
import { latestRecords } from '../window.js';
import { writeAlerts, type AlertRecord, type WrittenAlert } from './alert.js';
import { valueAtPath } from './cluster.js';

export interface SearchAnomalyInput {
  topic: string;
  maxRows: number;
  offset?: number;
  /** JSON path of the search text in JSON records; a record that is not a JSON object is the text. */
  textKey?: string;
  /** Watched terms (VIPER `searchterms`). */
  terms?: string[];
  /** true: a search containing a watched term is an anomaly; false: such searches are not checked. */
  flagTerms?: boolean;
  /** 0–100: a search less similar than this to its peer group is an anomaly (0: never by similarity). */
  threshold: number;
  /** false: the similarity is recorded, nothing is flagged (VIPER `checkanomaly=0`). */
  check?: boolean;
  produceTo: string;
  identifier?: string;
  /** Wait up to this long for the topic to hold a search and its peer (2 records) before reading. */
  waitMs?: number;
}

export interface SearchAnomalyRecord {
  topic: string;
  search: string;
  words: string[];
  /** 0–100: the share of the search's words found in the peer group's searches. */
  similarity: number;
  /** Searches in the peer group (the window before the newest). */
  peerSearches: number;
  /** Watched terms the search contains. */
  matchedTerms: string[];
  anomaly: boolean;
  threshold: number;
  identifier: string;
  createdAt: Date;
}

export const SEARCH_ANOMALY_STREAM = 'searchanomaly';
export const MAX_SEARCH_ROWS = 10_000;

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

function searchText(value: Buffer | null, textKey: string | undefined, offset: number): string | undefined {
  const text = value?.toString('utf8').trim() ?? '';
  if (text === '') return undefined;
  if (textKey === undefined) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text; // plain text: the record is the search
  }
  if (parsed === null || typeof parsed !== 'object') return text;
  const v = valueAtPath(parsed, textKey);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    throw new StepInputError(
      'textKey',
      `'${textKey}' holds an object at offset ${offset}, not the search text`,
    );
  }
  return String(v);
}

export async function searchAnomaly(
  services: { backbone: Backbone; shapers: RecordShapers },
  input: SearchAnomalyInput,
  call: CallDetails = {},
): Promise<{ record: SearchAnomalyRecord; partition: number; offset: number; alerts: WrittenAlert[] }> {
  if (!Number.isInteger(input.maxRows) || input.maxRows < 2 || input.maxRows > MAX_SEARCH_ROWS) {
    throw new StepInputError('maxRows', `must be 2..${MAX_SEARCH_ROWS}, got ${input.maxRows}`);
  }
  if (!(input.threshold >= 0 && input.threshold <= 100)) {
    throw new StepInputError('threshold', `must be 0..100, got ${input.threshold}`);
  }
  const offset = input.offset ?? -1;
  await waitForRecords(services.backbone, input.topic, input.waitMs, 2);
  const { records } = await latestRecords(
    services.backbone,
    input.topic,
    offset === -1 ? { lastOffsets: input.maxRows } : { fromOffset: offset, lastOffsets: input.maxRows },
  );
  const searches: string[] = [];
  for (const r of records) {
    const text = searchText(r.value, input.textKey, r.offset);
    if (text !== undefined) searches.push(text);
  }
  if (searches.length < 2) {
    throw new StepInputError(
      'maxRows',
      `leaves ${searches.length} search${input.textKey ? ` with '${input.textKey}'` : ''} in the window of topic '${input.topic}': a search and its peer group need 2`,
    );
  }
  const search = searches[searches.length - 1];
  const vocabulary = new Set(searches.slice(0, -1).flatMap(words));
  const own = words(search);
  const known = own.filter((w) => vocabulary.has(w)).length;
  const similarity = own.length === 0 ? 100 : (100 * known) / own.length;
  const lower = search.toLowerCase();
  const matchedTerms = (input.terms ?? []).filter(
    (t) => t.trim() !== '' && lower.includes(t.trim().toLowerCase()),
  );
  const check = input.check ?? true;
  const flagTerms = input.flagTerms ?? true;
  const anomaly =
    check &&
    (flagTerms
      ? matchedTerms.length > 0 || similarity < input.threshold
      : matchedTerms.length === 0 && similarity < input.threshold);
  const record: SearchAnomalyRecord = {
    topic: input.topic,
    search,
    words: own,
    similarity,
    peerSearches: searches.length - 1,
    matchedTerms,
    anomaly,
    threshold: input.threshold,
    identifier: input.identifier ?? '',
    createdAt: new Date(),
  };
  const key = recordKey();
  const [written] = await services.backbone.produce(input.produceTo, [
    {
      key,
      value: JSON.stringify(services.shapers.searchAnomaly(record, call, key)),
      headers: {
        [STREAM_HEADER]: Buffer.from(SEARCH_ANOMALY_STREAM),
        [VALUE_HEADER]: Buffer.from(String(similarity)),
      },
    },
  ]);
  const alerts: AlertRecord[] = anomaly
    ? [
        {
          kind: 'searchAnomaly',
          source: input.topic,
          message: `search '${search.slice(0, 80)}' on '${input.topic}' is ${similarity.toFixed(0)}% like its ${searches.length - 1} peer searches${matchedTerms.length ? `, and holds ${matchedTerms.join(', ')}` : ''}`,
          subject: search.slice(0, 200),
          value: similarity,
          threshold: input.threshold,
          details: {
            matchedTerms,
            peerSearches: searches.length - 1,
            record: { partition: written.partition, offset: written.offset },
          },
          identifier: input.identifier ?? '',
          createdAt: record.createdAt,
        },
      ]
    : [];
  return {
    record,
    partition: written.partition,
    offset: written.offset,
    alerts: await writeAlerts(services, input.produceTo, alerts),
  };
}
