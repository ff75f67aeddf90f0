// Errors a client is meant to read. Anything else thrown in a resolver is masked with an error id.
import { GraphQLError } from 'graphql';

export function badUserInput(message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...extra } });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } },
  });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/** Expected failure of a mutation: returned as the `ValidationError` member of its result union. */
export class ValidationError extends Error {
  readonly field: string;
  readonly issues: { field: string; message: string }[];
  constructor(issues: { field: string; message: string }[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'ValidationError';
    this.field = issues[0]?.field ?? '';
    this.issues = issues;
  }
  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

/** Expected failure: the id names nothing the caller can see (missing, or another tenant's). */
export class NotFoundError extends Error {
  readonly id: string;
  constructor(typename: string, id: string) {
    super(`No ${typename} with id ${id} exists in your organization.`);
    this.name = 'NotFoundError';
    this.id = id;
  }
}
