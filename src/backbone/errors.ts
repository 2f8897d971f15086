// Typed errors of the backbone layer. The server maps them to responses by `code`.

export class BackboneError extends Error {
  /** A stable machine-readable code, e.g. `UNKNOWN_TOPIC`. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class UnknownTopicError extends BackboneError {
  constructor(readonly topic: string) {
    super('UNKNOWN_TOPIC', `topic '${topic}' does not exist`);
  }
}

export class TopicExistsError extends BackboneError {
  constructor(readonly topic: string) {
    super('TOPIC_EXISTS', `topic '${topic}' already exists`);
  }
}

export class InvalidTopicNameError extends BackboneError {
  constructor(
    readonly topic: string,
    reason: string,
  ) {
    super('INVALID_TOPIC_NAME', `invalid topic name '${topic}': ${reason}`);
  }
}

export class InvalidPartitionsError extends BackboneError {
  constructor(partitions: unknown, detail?: string) {
    super(
      'INVALID_PARTITIONS',
      detail ?? `the number of partitions must be a positive integer, got ${String(partitions)}`,
    );
  }
}

export class InvalidConfigError extends BackboneError {
  constructor(message: string) {
    super('INVALID_CONFIG', message);
  }
}

export class UnknownPartitionError extends BackboneError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    partitions: number,
  ) {
    super(
      'UNKNOWN_PARTITION',
      `topic '${topic}' has no partition ${partition} (it has ${partitions}: 0..${partitions - 1})`,
    );
  }
}

export class OffsetOutOfRangeError extends BackboneError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    readonly earliest: number,
    readonly latest: number,
  ) {
    super(
      'OFFSET_OUT_OF_RANGE',
      `offset ${offset} is out of range for ${topic}-${partition} (stored offsets: ${earliest}..${latest}, ` +
        `${latest} is the next to be written)`,
    );
  }
}

export class RecordTooLargeError extends BackboneError {
  constructor(
    readonly topic: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      'RECORD_TOO_LARGE',
      `a record of ${size} bytes exceeds the limit of ${limit} bytes for topic '${topic}' (max.message.bytes)`,
    );
  }
}

export class StorageFullError extends BackboneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORAGE_FULL', message, options);
  }
}

export class CorruptStoreError extends BackboneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CORRUPT_STORE', message, options);
  }
}

export class StoreLockedError extends BackboneError {
  constructor(message: string) {
    super('STORE_LOCKED', message);
  }
}

export class UnknownGroupError extends BackboneError {
  constructor(readonly groupId: string) {
    super('UNKNOWN_GROUP', `consumer group '${groupId}' does not exist`);
  }
}

export class InvalidRecordError extends BackboneError {
  constructor(message: string) {
    super('INVALID_RECORD', message);
  }
}

export class BackboneClosedError extends BackboneError {
  constructor() {
    super('BACKBONE_CLOSED', 'the backbone has been closed');
  }
}

/** The backbone could not be reached (Kafka): brokers down, wrong address, TLS or network trouble. */
export class BrokerUnreachableError extends BackboneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BROKER_UNREACHABLE', message, options);
  }
}

export class AuthenticationError extends BackboneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUTHENTICATION_FAILED', message, options);
  }
}

export class AuthorizationError extends BackboneError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NOT_AUTHORIZED', message, options);
  }
}

/**
 * A group member's commit was refused because the member is no longer in the group (its session
 * timed out or it closed) and its partitions may belong to another member now (Kafka's
 * CommitFailedException). Polling again rejoins the group.
 */
export class CommitFailedError extends BackboneError {
  constructor(
    readonly groupId: string,
    readonly memberId: string,
  ) {
    super(
      'COMMIT_FAILED',
      `member '${memberId}' of group '${groupId}' is no longer in the group (session timeout or close), ` +
        `so its commit was refused; poll again to rejoin`,
    );
  }
}

/**
 * A newer transactional producer with the same `transactionalId` was opened (Kafka's zombie
 * fencing): this one's open transaction was discarded and it can no longer commit. Close it; the
 * newer producer carries the work on.
 */
export class ProducerFencedError extends BackboneError {
  constructor(
    readonly transactionalId: string,
    options?: { cause?: unknown },
  ) {
    super(
      'PRODUCER_FENCED',
      `the transactional producer '${transactionalId}' was fenced by a newer producer with the same ` +
        `transactionalId: its open transaction was aborted and it cannot commit any more; close it`,
      options,
    );
  }
}

/** A transactional producer was used after its `close()` (or the backbone's). */
export class ProducerClosedError extends BackboneError {
  constructor(readonly transactionalId: string) {
    super(
      'PRODUCER_CLOSED',
      `the transactional producer '${transactionalId}' is closed: its open transaction, if any, was aborted`,
    );
  }
}
