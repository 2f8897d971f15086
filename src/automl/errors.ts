// Typed errors of the automl layer. The server maps them to responses (VIPER `{"ERROR": ...}` or an
// RFC 9457 problem), so each names the problem in words a user of the API can act on.

export class AutoMLError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input is malformed: non-finite values where they cannot be dropped, wrong lengths, bad labels. */
export class InvalidInputError extends AutoMLError {}

/** A hyperparameter is outside its domain (negative k, λ < 0, a non-integer count, ...). */
export class InvalidHyperparameterError extends InvalidInputError {
  constructor(
    readonly algorithm: string,
    readonly hyperparameter: string,
    message: string,
  ) {
    super(`${algorithm}: hyperparameter ${hyperparameter} ${message}`);
  }
}

/** The window is too small or too uniform to learn from (e.g. one row, one class). */
export class InsufficientDataError extends AutoMLError {}

/** No algorithm of that name is registered, or it does not handle the task. */
export class UnknownAlgorithmError extends AutoMLError {}

/** A model cannot explain its predictions (no explanation data), named by the setting that asked. */
export class ExplanationUnavailableError extends InvalidInputError {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
  }
}
