// Appending through a tml server: each batch goes as bulk produce requests of the topic's producer id.
// A batch is split so that no request body passes REQUEST_BYTES (the server's body limit is about
// three records of the largest size); so over --server a batch is atomic per request, not as a whole.
import type { TmlClient } from '../../client/index.js';
import type { AppendResult, Appender, PartitionRange } from '../ops/types.js';

const REQUEST_BYTES = 1 << 20;
/** The most values the server takes in one bulk call. */
const REQUEST_VALUES = 100_000;

export function remoteAppender(client: TmlClient, topic: string, producerId: string): Appender {
  return {
    async append(records) {
      const result: AppendResult = { records: 0, partitions: [] };
      let values: string[] = [];
      let bytes = 0;
      const send = async () => {
        const answer = await client.produceBulk(topic, producerId, values);
        values = [];
        bytes = 0;
        result.records += answer.records;
        merge(result.partitions, answer.partitions);
      };
      for (const record of records) {
        // Tombstones come only from --records, which RemoteTopicOps refuses.
        if (record.value === null) throw new Error('a tombstone (null value) cannot be sent to a server');
        const value = typeof record.value === 'string' ? record.value : record.value.toString('utf8');
        // JSON escaping can grow text; twice its length plus quotes is a safe bound for the estimate.
        const size = Buffer.byteLength(value) * 2 + 3;
        if (values.length > 0 && (bytes + size > REQUEST_BYTES || values.length >= REQUEST_VALUES)) {
          await send();
        }
        values.push(value);
        bytes += size;
      }
      if (values.length > 0) await send();
      return result;
    },
  };
}

function merge(into: PartitionRange[], ranges: PartitionRange[]): void {
  for (const range of ranges) {
    const known = into.find((p) => p.partition === range.partition);
    if (known === undefined) into.push({ ...range });
    else {
      known.firstOffset = Math.min(known.firstOffset, range.firstOffset);
      known.lastOffset = Math.max(known.lastOffset, range.lastOffset);
    }
  }
}
