// Every failure becomes a ServerError before either face renders it: the backbone's typed errors by
// their code, anything unexpected as a 500 whose details stay in the log.
import { AutoMLError, InsufficientDataError } from '../automl/index.js';
import { BackboneError } from '../backbone/errors.js';
import { SolutionError, SolutionSpecError } from '../solutions/errors.js';
import { StepInputError, StepNotFoundError, StreamsError } from '../streams/errors.js';
import {
  ConflictError,
  InvalidContentError,
  NotFoundError,
  ParameterError,
  ServerError,
  UnavailableError,
} from './errors.js';

export function toServerError(error: unknown): ServerError {
  if (error instanceof ServerError) return error;
  if (error instanceof BackboneError) {
    switch (error.code) {
      case 'UNKNOWN_TOPIC':
        return new ServerError('UNKNOWN_TOPIC', 404, error.message);
      case 'TOPIC_EXISTS':
        return new ServerError('TOPIC_EXISTS', 409, error.message);
      case 'INVALID_TOPIC_NAME':
        return new ParameterError('topic', error.message);
      case 'INVALID_PARTITIONS':
        return new ParameterError('partitions', error.message);
      case 'UNKNOWN_PARTITION':
        return new ParameterError('partition', error.message);
      case 'OFFSET_OUT_OF_RANGE':
        return new ParameterError('offset', error.message);
      case 'RECORD_TOO_LARGE':
        return new ServerError('RECORD_TOO_LARGE', 413, error.message);
      case 'INVALID_CONFIG':
        return new ServerError('INVALID_CONFIG', 400, error.message);
      case 'BACKBONE_CLOSED':
      case 'BROKER_UNREACHABLE':
      case 'STORE_LOCKED':
        return new UnavailableError(error.message, { cause: error });
      case 'STORAGE_FULL':
        return new ServerError('STORAGE_FULL', 507, error.message);
      default:
        return new ServerError(error.code, 500, error.message);
    }
  }
  // The engine's errors are about the data the request pointed at (too few rows, a constant label,
  // bad flags): the caller's to fix, so 4xx with the engine's own message.
  if (error instanceof StepInputError) return new ParameterError(error.field, error.detail);
  if (error instanceof StepNotFoundError) return new NotFoundError(error.code, error.message, error.field);
  if (error instanceof StreamsError) {
    return new ServerError(error.code, error.code === 'INSUFFICIENT_ROWS' ? 422 : 400, error.message);
  }
  if (error instanceof SolutionError) return solutionError(error);
  if (error instanceof InsufficientDataError) return new ServerError('INSUFFICIENT_DATA', 422, error.message);
  if (error instanceof AutoMLError) return new ServerError('INVALID_INPUT', 400, error.message);
  return new ServerError('INTERNAL', 500, 'internal error (see the server log)', { cause: error });
}

function solutionError(error: SolutionError): ServerError {
  if (error instanceof SolutionSpecError) {
    return new InvalidContentError(error.code, error.message, error.field);
  }
  switch (error.code) {
    case 'UNKNOWN_SOLUTION':
      return new NotFoundError(error.code, error.message, 'name');
    case 'SOLUTION_EXISTS':
    case 'SOLUTION_CHANGE_NOT_IN_PLACE':
      return new ConflictError(error.code, error.message);
    default:
      // Any other complaint of the solutions layer is about what the request asked for.
      return new ServerError(error.code, 400, error.message);
  }
}
