// Fetches without a wait, gathered per broker: the partitions asked for in one event-loop turn go
// to their leader in one Fetch request, as a Kafka consumer fetches all its assigned partitions of
// a broker at once. Solution runners each read a few partitions every step; one request apiece
// made the broker answer hundreds of small requests a second on the reader's one connection,
// queued one behind another (bench:solutions on Kafka, 100 solutions).
import type { KafkaCluster } from './cluster.js';
import { fetchFrom, type FetchPartitionRequest } from './fetch.js';
import type { FetchResponsePartition } from './records.js';

/**
 * Partitions in one request at most: bounds an answer's size (each partition brings up to its
 * maxBytes, as many single fetches would) and the work of decoding it in one go.
 */
const MAX_PARTITIONS_PER_REQUEST = 64;

export interface Waiting {
  node: number;
  request: FetchPartitionRequest;
  resolve: (answer: FetchResponsePartition | undefined) => void;
  reject: (error: unknown) => void;
}

export class FetchBatcher {
  readonly #cluster: KafkaCluster;
  #waiting: Waiting[] = [];
  #scheduled = false;

  constructor(cluster: KafkaCluster) {
    this.#cluster = cluster;
  }

  /** The partition's answer from the next request to `node` (undefined: the broker left it out). */
  fetch(node: number, request: FetchPartitionRequest): Promise<FetchResponsePartition | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ node, request, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const group of requests(waiting)) void this.#send(group);
  }

  async #send(group: Waiting[]): Promise<void> {
    const node = group[0].node;
    let answers;
    try {
      answers = await fetchFrom(
        this.#cluster,
        node,
        group.map((w) => w.request),
        0,
      );
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      // An error of any partition fails the whole request (a topic deleted meanwhile, an offset
      // out of range): each asks again alone, so each gets its own answer or error.
      for (const w of group) void this.#send([w]);
      return;
    }
    for (const w of group) w.resolve(answers.find((a) => a.request === w.request)?.answer);
  }
}

/**
 * The waiting fetches split into requests: per leader, at most MAX_PARTITIONS_PER_REQUEST, and a
 * partition at most once per request (two readers at different offsets of one partition).
 */
export function requests(waiting: readonly Waiting[]): Waiting[][] {
  const out: Waiting[][] = [];
  const open = new Map<number, { group: Waiting[]; keys: Set<string> }[]>();
  for (const w of waiting) {
    const key = `${w.request.topicId}:${w.request.partition}`;
    const groups = open.get(w.node) ?? [];
    open.set(w.node, groups);
    let target = groups.find((g) => g.group.length < MAX_PARTITIONS_PER_REQUEST && !g.keys.has(key));
    if (!target) {
      target = { group: [], keys: new Set() };
      groups.push(target);
      out.push(target.group);
    }
    target.group.push(w);
    target.keys.add(key);
  }
  return out;
}
