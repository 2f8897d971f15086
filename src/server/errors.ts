// Typed errors of the server layer. Each carries a stable `code` and the HTTP status the `/v1` face
// answers with; the VIPER face always answers 200 with `{"ERROR": message}` (viper-protocol.md §1.3).

export class ServerError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
  }
}

/** Shows a client-supplied value inside an error message: short, on one line. */
export function showValue(value: string, max = 40): string {
  // Cut before any regex runs (values can be megabytes); a token that starts in the shown part is
  // whole in the cut (80 > its 64 characters), so it is replaced, never shown in part.
  const head = redactTokens(value.slice(0, max + 80));
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const flat = head.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return flat.length > max || value.length > max + 80 ? `${flat.slice(0, max)}…` : flat;
}

/** A tml token, or the start of one (`tml_<16 hex>_...`): never shown. */
const TOKEN_SHAPE = /tml_[0-9a-f]{16}_[A-Za-z0-9_-]*/gi;

/** Replaces every token-shaped run in a short text. */
export function redactTokens(text: string): string {
  return text.replace(TOKEN_SHAPE, '[REDACTED]');
}

/** A request parameter is missing or malformed; `parameter` is its name on the face that received it. */
export class ParameterError extends ServerError {
  constructor(
    readonly parameter: string,
    detail: string,
  ) {
    super('INVALID_PARAMETER', 400, `parameter '${parameter}' ${detail}`);
  }

  /** The same error under another parameter name (the `/v1` face names fields in camelCase). */
  renamed(parameter: string): ParameterError {
    return new ParameterError(parameter, this.message.slice(`parameter '${this.parameter}' `.length));
  }
}

export class MissingParameterError extends ParameterError {
  constructor(parameter: string) {
    super(parameter, 'is required');
  }
}

/** The request names a topic, producer id, consumer id, group or token that does not exist. */
export class NotFoundError extends ServerError {
  constructor(
    code: string,
    message: string,
    readonly parameter?: string,
  ) {
    super(code, 404, message);
  }
}

/** Well-formed, but the content does not validate (a solution spec); `parameter` names the field. */
export class InvalidContentError extends ServerError {
  constructor(
    code: string,
    message: string,
    readonly parameter: string,
  ) {
    super(code, 422, message);
  }
}

export class UnauthorizedError extends ServerError {
  constructor(message = 'a valid token is required (vipertoken, or Authorization: Bearer)') {
    super('UNAUTHORIZED', 401, message);
  }
}

/** Authenticated, but not allowed: a user token on an admin operation, or an id used on another topic. */
export class ForbiddenError extends ServerError {
  constructor(message: string, code = 'FORBIDDEN') {
    super(code, 403, message);
  }
}

export class ConflictError extends ServerError {
  constructor(code: string, message: string) {
    super(code, 409, message);
  }
}

/** The server is shutting down or the backbone is unavailable. */
export class UnavailableError extends ServerError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', 503, message, options);
  }
}

/** A per-token limit on work in flight is reached (trainings): try again later. */
export class BusyError extends ServerError {
  constructor(message: string) {
    super('BUSY', 429, message);
  }
}
