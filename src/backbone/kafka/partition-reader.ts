// A PartitionReader on Kafka: its own client, so its long polls never wait behind the backbone's
// shared fetches nor hold them up (one connection's requests are answered in order).
import type { Consumer } from '@platformatic/kafka';
import { BackboneClosedError } from '../errors.js';
import type { FetchRequest, FetchResult, PartitionReader } from '../types.js';
import type { KafkaCluster } from './cluster.js';
import { fetch } from './fetch.js';

export class KafkaPartitionReader implements PartitionReader {
  readonly #client: Consumer;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(
    private readonly cluster: KafkaCluster,
    private readonly onClose: () => void,
  ) {
    this.#client = cluster.newReader('partition-reader');
  }

  async fetch(request: FetchRequest): Promise<FetchResult> {
    if (this.#closed) throw new BackboneClosedError();
    const signal = request.signal
      ? AbortSignal.any([request.signal, this.#closing.signal])
      : this.#closing.signal;
    return fetch(this.cluster, { ...request, signal }, { via: this.#client });
  }

  clearMetadata(): void {
    this.#client.clearMetadata();
  }

  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      this.#closing.abort(new BackboneClosedError());
      this.onClose();
      await new Promise<void>((resolve) => this.#client.close(true, () => resolve()));
    })());
  }
}
