// What the SDK throws: the server's problem details, or a failure to reach the server at all.
import type { Problem } from './types.js';

/** The server answered with an error (RFC 9457 problem details). */
export class TmlApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly parameter?: string;
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'TmlApiError';
    this.status = problem.status;
    this.code = problem.code;
    if (problem.parameter !== undefined) this.parameter = problem.parameter;
    this.problem = problem;
  }
}

/** The server could not be reached, or answered something that is not the API. */
export class TmlConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TmlConnectionError';
  }
}
