// Errors cross the thread boundary as data (structured clone keeps neither an error's class nor its
// extra fields): the worker side writes a TaskFailure, the calling side rebuilds the typed error.
import { AutoMLError, InsufficientDataError, InvalidInputError, UnknownAlgorithmError } from '../errors.js';
import type { TaskFailure } from './tasks.js';

export function taskFailure(error: unknown): TaskFailure {
  const e = error instanceof Error ? error : new Error(String(error));
  // an InvalidInputError (or subclass) is marked: the caller's input to fix
  const invalidInput = e instanceof InvalidInputError;
  return {
    ok: false,
    error: { name: e.name, message: e.message, ...(invalidInput ? { invalidInput } : {}) },
  };
}

/** The automl error a failure stands for (its class by name; other errors as AutoMLError). */
export function failureError({ error }: TaskFailure): AutoMLError {
  if (error.name === 'InsufficientDataError') return new InsufficientDataError(error.message);
  if (error.name === 'UnknownAlgorithmError') return new UnknownAlgorithmError(error.message);
  if (error.invalidInput === true) return new InvalidInputError(error.message);
  return new AutoMLError(error.message);
}
