// Typed errors of the streams layer.

export class StreamsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

export class InvalidWindowError extends StreamsError {
  constructor(message: string) {
    super('INVALID_WINDOW', message);
  }
}

export class InvalidJoinError extends StreamsError {
  constructor(message: string) {
    super('INVALID_JOIN', message);
  }
}

export class InsufficientRowsError extends StreamsError {
  constructor(message: string) {
    super('INSUFFICIENT_ROWS', message);
  }
}
