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

/**
 * A step's input is missing or malformed. `field` is the core's name of the input (the /v1 face's
 * JSON field name); each face names it its own way (the VIPER face by VIPER's parameter).
 */
export class StepInputError extends StreamsError {
  constructor(
    readonly field: string,
    readonly detail: string,
  ) {
    super('INVALID_PARAMETER', `'${field}' ${detail}`);
  }
}

/** A step found nothing where it expected a record or a model; `field` names the input that pointed there. */
export class StepNotFoundError extends StreamsError {
  constructor(
    code: 'EMPTY_TOPIC' | 'UNKNOWN_MODEL',
    message: string,
    readonly field: string,
  ) {
    super(code, message);
  }
}
