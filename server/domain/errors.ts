// Typed errors the services throw; http/errors.ts alone maps them to status codes.
export interface ErrorDetail {
  path: string;
  code: string;
  message: string;
}

/** A request the caller can fix: maps to a 4xx with a stable code. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  constructor(what: string, code = 'not_found') {
    super(code, `${what} not found`);
  }
}

export class Conflict extends DomainError {}

export class Unprocessable extends DomainError {}

export class OperatorNotFound extends Unprocessable {
  constructor(externalId: string) {
    super('operator_not_found', `no operator has external_id "${externalId}"`, [
      { path: 'operator_id', code: 'operator_not_found', message: 'unknown operator' },
    ]);
  }
}

export class OperatorInactive extends Unprocessable {
  constructor(externalId: string) {
    super('operator_inactive', `operator "${externalId}" is inactive`, [
      { path: 'operator_id', code: 'operator_inactive', message: 'operator is inactive' },
    ]);
  }
}

export class FieldNotFilterable extends Unprocessable {
  constructor(path: string, field: string) {
    super('field_not_filterable', `custom field "${field}" is not flagged used_for_filtering`, [
      { path, code: 'field_not_filterable', message: `"${field}" is not filterable` },
    ]);
  }
}

export class InvalidFilter extends Unprocessable {
  constructor(code: string, path: string, message: string) {
    super(code, message, [{ path, code, message }]);
  }
}

export class Unauthorized extends DomainError {
  constructor(code = 'unauthorized', message = 'missing or wrong token') {
    super(code, message);
  }
}

/** The database cannot be reached right now; the caller should retry. */
export class Unavailable extends Error {
  constructor(readonly retryAfterSeconds: number, cause?: unknown) {
    super('service temporarily unavailable', { cause });
    this.name = 'Unavailable';
  }
}

/** The process holds as many request bodies as its budget allows (EARSHOT_BODY_BUDGET): 503, retry shortly. */
export class Overloaded extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('the server is reading as many request bodies as it may hold; retry shortly');
    this.name = 'Overloaded';
  }
}

/** A request that cannot be read at all (malformed JSON, bad encoding): 400. */
export class BadRequest extends DomainError {}

/** A body over the configured size limit: 413. */
export class PayloadTooLarge extends DomainError {
  constructor(limitBytes: number) {
    super('payload_too_large', `the body is over the limit of ${limitBytes} bytes`);
  }
}

/** A recording over the configured limit (EARSHOT_RECORDING_LIMIT): 413 on upload, a permanent failure on fetch. */
export class MediaTooLarge extends PayloadTooLarge {
  constructor(limitBytes: number) {
    super(limitBytes);
    this.message = `the recording is over the limit of ${limitBytes} bytes`;
  }
}

/** A body whose Content-Type the endpoint does not take (JSON sent as a recording): 415. */
export class UnsupportedMediaType extends DomainError {
  constructor(message: string) {
    super('unsupported_media_type', message);
  }
}

/** Over a rate limit: 429 with Retry-After. */
export class TooManyRequests extends DomainError {
  constructor(readonly retryAfterSeconds: number, what: string) {
    super('rate_limited', `${what}; retry after ${retryAfterSeconds} s`);
  }
}

/** A signed URL that is wrong or expired: 403. */
export class Forbidden extends DomainError {}

/** Something that existed and was withdrawn on purpose (a revoked recording link): 410. */
export class Gone extends DomainError {}

/** The HTTP status a domain error answers with, for the API and the console alike. */
export function httpStatusOf(error: DomainError): 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 {
  if (error instanceof Unauthorized) return 401;
  if (error instanceof Forbidden) return 403;
  if (error instanceof NotFound) return 404;
  if (error instanceof Conflict) return 409;
  if (error instanceof Gone) return 410;
  if (error instanceof PayloadTooLarge) return 413;
  if (error instanceof UnsupportedMediaType) return 415;
  if (error instanceof TooManyRequests) return 429;
  if (error instanceof Unprocessable) return 422;
  return 400;
}

/** The admin token names a client or tag several integrations have, or creates a client, without `?integration_id=`. */
export class IntegrationRequired extends Unprocessable {
  constructor(message: string) {
    super('integration_required', message, [{ path: 'integration_id', code: 'integration_required', message: 'name the integration' }]);
  }
}

/** A shared tag (owned by no integration) changed with an integration's token: only the admin token changes it. */
export class SharedEntryReadonly extends Forbidden {
  constructor(what: string) {
    super('shared_entry_readonly', `the ${what} is shared by every integration; only the admin token changes it`);
  }
}
