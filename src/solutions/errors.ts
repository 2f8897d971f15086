// Typed errors of the solutions layer; the server maps them by code.

export class SolutionError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A spec that does not validate; `field` is the dotted path of the offending field. */
export class SolutionSpecError extends SolutionError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('INVALID_SOLUTION_SPEC', `solution spec: ${field}: ${problem}`);
  }
}

export class UnknownSolutionError extends SolutionError {
  constructor(readonly solution: string) {
    super('UNKNOWN_SOLUTION', `no solution named ${solution}`);
  }
}

export class SolutionExistsError extends SolutionError {
  constructor(readonly solution: string) {
    super(
      'SOLUTION_EXISTS',
      `a solution named ${solution} already exists (delete it first, or choose another name)`,
    );
  }
}

/** An update that cannot be made in place (it changes what the models were learnt on). */
export class SolutionChangeError extends SolutionError {
  constructor(
    readonly solution: string,
    readonly field: string,
    problem: string,
  ) {
    super(
      'SOLUTION_CHANGE_NOT_IN_PLACE',
      `solution ${solution}: ${field} cannot change in place: ${problem}`,
    );
  }
}
